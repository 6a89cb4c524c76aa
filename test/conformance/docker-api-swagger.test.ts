/**
 * API conformance: the recorded traffic of real clients (../shared/api-traffic/raw) replayed against a
 * test berthd at API 1.49, and every JSON body Berth answers validated against the Docker Engine API
 * swagger 1.49 (data/docker-api, moby v28.1.1) for that operation and status.
 *
 * Replayed: every request whose body was recorded (JSON or none), in order, with the ids and names the
 * recording's daemon gave swapped for Berth's, and user subnets moved to free ones. Not replayed, because
 * the recording cannot reproduce them: hijacked streams (attach, exec start, session), tar uploads (build,
 * load, import, archive PUT: only their listings were kept; a build's tags are given to bb instead),
 * registry traffic (pull, push, login), and endless streams (logs/events that follow, stats that
 * stream). Waits run beside the replay.
 *
 * Go sends nil slices and maps as null where swagger has no `x-nullable`; arrays and objects may be null
 * here for that reason (the same rule passes dockerd's own recorded answers, checked first).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { startDaemon, cli, DOCKER, REPO, type TestDaemon } from '../kit/daemon';
import { makeBusyboxTar } from '../kit/busybox';
import { freeSubnet } from '../kit/subnets';

const TRAFFIC = path.resolve(REPO, '../shared/api-traffic/raw');
const SWAGGER = path.join(REPO, 'test/conformance/data/docker-api/swagger-v1.49.yaml');

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- recorded and swagger JSON of every shape

interface Exchange {
  method: string;
  url: string;
  status: number;
  reqHeaders: [string, string][];
  resHeaders: [string, string][];
  hijack?: string;
  reqBody?: { bytes: number; kind?: string; json?: Json };
  resBody?: { bytes: number; kind?: string; json?: Json; jsonStream?: boolean };
}

/**
 * Go pointer fields swagger does not mark x-nullable, which dockerd itself sends as null (seen in the
 * recording: HostConfig.MemorySwappiness, exec inspect's ExitCode before the process ended).
 */
const GO_POINTER_FIELDS = new Set(['MemorySwappiness', 'ExitCode']);

/** Swagger 2.0 schemas → JSON Schema for ajv: x-nullable (and Go's nil slices, maps and pointers) allow null. */
function toJsonSchema(node: Json, name = ''): Json {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n));
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'x-go-name') out[k] = v;
    else if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, toJsonSchema(pv, pk)]));
    else out[k] = toJsonSchema(v);
  }
  const t = out.type;
  if (typeof t === 'string' && (out['x-nullable'] === true || t === 'array' || t === 'object' || GO_POINTER_FIELDS.has(name))) {
    out.type = [t, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  // swagger 2.0 `type: file` responses carry no JSON
  if (t === 'file') return {};
  return out;
}

interface Operation {
  method: string;
  re: RegExp;
  template: string;
  responses: Record<string, { schema?: Json }>;
}

function loadSwagger(ajv: Ajv): Operation[] {
  const doc = toJsonSchema(parseYaml(readFileSync(SWAGGER, 'utf8')));
  ajv.addSchema({ $id: 'swagger', definitions: doc.definitions }, 'swagger');
  const ops: Operation[] = [];
  for (const [template, item] of Object.entries<Json>(doc.paths)) {
    // image names hold '/' and ':' (`*name` in Berth's router): {name} takes the rest of the path there
    const re = new RegExp('^' + template.replace(/[.]/g, '\\.').replace(/\{name\}/g, template.startsWith('/images/') || template.startsWith('/distribution/') ? '(.+)' : '([^/]+)').replace(/\{[^}]+\}/g, '([^/]+)') + '$');
    for (const [method, op] of Object.entries<Json>(item)) ops.push({ method: method.toUpperCase(), re, template, responses: op.responses ?? {} });
  }
  // fixed paths before templated ones (/images/json is not /images/{name}/json)
  return ops.sort((a, b) => a.template.split('{').length - b.template.split('{').length);
}

const refs = (s: Json): Json => JSON.parse(JSON.stringify(s).replace(/"#\/definitions\//g, '"swagger#/definitions/'));

class Validator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly ops = loadSwagger(this.ajv);
  private readonly cache = new Map<string, ValidateFunction | null>();

  /** The schema for a response; `undefined` when swagger has no such operation or status. */
  schemaFor(method: string, p: string, status: number): { template: string; validate: ValidateFunction | null } | undefined {
    const op = this.ops.find((o) => o.method === method && o.re.test(p));
    if (!op) return undefined;
    const r = op.responses[String(status)] ?? op.responses['default'];
    if (!r) return undefined;
    const key = `${method} ${op.template} ${status}`;
    if (!this.cache.has(key)) this.cache.set(key, r.schema ? this.ajv.compile(refs(r.schema)) : null);
    return { template: op.template, validate: this.cache.get(key)! };
  }
}

const header = (hs: [string, string][] | undefined, n: string) => hs?.find((h) => h[0].toLowerCase() === n)?.[1];

const trafficFiles = (): string[] => readdirSync(TRAFFIC).filter((f) => f.endsWith('.jsonl.gz')).sort();

function readTraffic(file: string): Exchange[] {
  return gunzipSync(readFileSync(path.join(TRAFFIC, file)))
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Exchange & { marker?: string })
    .filter((r) => r.method);
}

/** Why a recorded request is not replayed, or undefined to replay it. */
function skipReason(r: Exchange): string | undefined {
  const u = new URL(r.url, 'http://x');
  const p = u.pathname.replace(/^\/v[\d.]+/, '');
  if (r.hijack || /\/attach$|\/exec\/[^/]+\/start$|^\/session$/.test(p)) return 'hijacked stream';
  if (r.reqBody?.bytes && r.reqBody.kind !== 'json') return 'upload body not recorded';
  if (/^\/(auth|build)$|\/push$|^\/distribution\//.test(p) || (p === '/images/create' && u.searchParams.has('fromImage'))) return 'registry or build';
  if (/\/logs$/.test(p) && /^(1|true)$/.test(u.searchParams.get('follow') ?? '')) return 'endless stream';
  if (/\/stats$/.test(p) && !/^(0|false)$/.test(u.searchParams.get('stream') ?? '')) return 'endless stream';
  if (p === '/events' && !u.searchParams.has('until')) return 'endless stream';
  return undefined;
}

interface Reply {
  status: number;
  contentType: string;
  body: Buffer;
}

function send(socket: string, method: string, url: string, body: string | undefined, headers: Record<string, string>, signal?: AbortSignal): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method, path: url, headers: { ...headers, ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) }, signal }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The recording's ids and names → Berth's, and recorded subnets → free ones, applied to paths and bodies. */
class Substitutions {
  private readonly map = new Map<string, string>();
  add(from: string, to: string): void {
    if (!from || !to || from === to) return;
    this.map.set(from, to);
    if (/^(sha256:)?[0-9a-f]{64}$/.test(from) && /^(sha256:)?[0-9a-f]{64}$/.test(to)) {
      const short = (s: string) => s.replace(/^sha256:/, '').slice(0, 12);
      this.map.set(short(from), short(to));
    }
  }
  apply(s: string): string {
    // longest first, so a full id is never half-replaced through its short form
    for (const [from, to] of [...this.map].sort((a, b) => b[0].length - a[0].length)) s = s.split(from).join(to);
    return s;
  }
}

/** Ids worth carrying over from a recorded answer and Berth's answer to the same request. */
function learn(subs: Substitutions, recorded: Json, ours: Json): void {
  if (!recorded || !ours || typeof recorded !== 'object' || typeof ours !== 'object') return;
  for (const k of ['Id', 'ID', 'Name']) if (typeof recorded[k] === 'string' && typeof ours[k] === 'string') subs.add(recorded[k], ours[k]);
}

/** networks/create: the recorded user subnets may be taken on this host; a free one stands in for each. */
function moveSubnets(subs: Substitutions, body: Json): void {
  for (const c of body?.IPAM?.Config ?? []) {
    if (typeof c.Subnet !== 'string') continue;
    const fresh = freeSubnet();
    const oldPrefix = c.Subnet.replace(/0\/\d+$/, '');
    subs.add(oldPrefix, fresh.replace(/0\/\d+$/, ''));
  }
}

interface Finding {
  where: string;
  errors: string;
}

interface Tally {
  validated: Map<string, number>;
  failures: Finding[];
  undocumented: Finding[];
}

/** `recordedStatus`: swagger misses some statuses dockerd answers (409 for a taken network name); those pass when dockerd gave the same. */
function check(v: Validator, tally: Tally, method: string, p: string, status: number, contentType: string, body: Buffer, where: string, recordedStatus?: number): void {
  if (!/json/.test(contentType) || body.length === 0) return;
  const s = v.schemaFor(method, p, status);
  if (!s) {
    if (status !== recordedStatus) tally.undocumented.push({ where, errors: `${method} ${p} → ${status}: no such operation/status in swagger (${body.toString().trim()})` });
    return;
  }
  if (!s.validate) return;
  const text = body.toString();
  // JSON-lines streams (events): each line is one document of the schema
  const docs = /\}\s*\n\s*\{/.test(text) ? text.split('\n').filter((l) => l.trim()) : [text];
  for (const d of docs) {
    if (!s.validate(JSON.parse(d))) {
      tally.failures.push({ where, errors: JSON.stringify(s.validate.errors?.slice(0, 5)) });
      return;
    }
  }
  const key = `${method} ${s.template} ${status}`;
  tally.validated.set(key, (tally.validated.get(key) ?? 0) + 1);
}

async function replay(d: TestDaemon, file: string, v: Validator, tally: Tally): Promise<{ replayed: number; skipped: number }> {
  const subs = new Substitutions();
  const waits: Array<{ done: Promise<void>; abort: AbortController }> = [];
  let replayed = 0;
  let skipped = 0;
  for (const r of readTraffic(file)) {
    const u = new URL(r.url, 'http://x');
    if (skipReason(r)) {
      skipped++;
      // a build's image stands in as bb under the build's tags, so what follows finds it
      if (/\/build$/.test(u.pathname)) {
        for (const t of u.searchParams.getAll('t')) {
          const i = t.lastIndexOf(':');
          const [repo, tag] = i > t.lastIndexOf('/') ? [t.slice(0, i), t.slice(i + 1)] : [t, 'latest'];
          await send(d.socket, 'POST', `/images/bb/tag?repo=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`, undefined, {});
        }
      }
      continue;
    }
    // the recording negotiated 1.41 with dockerd 20.10; today's clients speak 1.49
    const url = subs.apply(r.url.replace(/^\/v1\.\d+\//, '/v1.49/'));
    const p = new URL(url, 'http://x').pathname.replace(/^\/v[\d.]+/, '');
    if (/\/networks\/create$/.test(u.pathname)) moveSubnets(subs, r.reqBody?.json);
    const body = r.reqBody?.kind === 'json' ? subs.apply(JSON.stringify(r.reqBody.json)) : undefined;
    const headers: Record<string, string> = {};
    const ct = header(r.reqHeaders, 'content-type');
    if (ct) headers['Content-Type'] = ct;
    const where = `${file} ${r.method} ${r.url}`;
    const go = (signal?: AbortSignal) => send(d.socket, r.method, url, body, headers, signal);
    replayed++;
    if (/\/wait$/.test(p)) {
      // a wait answers when its container stops, later in the recording: it runs beside the replay
      const abort = new AbortController();
      waits.push({ abort, done: go(abort.signal).then((res) => check(v, tally, r.method, p, res.status, res.contentType, res.body, where, r.status), () => undefined) });
      continue;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 30_000);
    const res = await go(abort.signal).finally(() => clearTimeout(timer));
    check(v, tally, r.method, p, res.status, res.contentType, res.body, where, r.status);
    if (/json/.test(res.contentType) && res.body.length && r.resBody?.json) {
      try {
        learn(subs, r.resBody.json, JSON.parse(res.body.toString()));
      } catch {
        // a stream of several documents carries no id to learn
      }
    }
  }
  // waits for containers that never stop in the recording's script end here
  const grace = setTimeout(() => waits.forEach((w) => w.abort.abort()), 10_000);
  await Promise.all(waits.map((w) => w.done));
  clearTimeout(grace);
  return { replayed, skipped };
}

describe('Docker Engine API swagger 1.49 conformance of the recorded traffic', () => {
  const v = new Validator();

  test('the validator accepts dockerd\'s own recorded answers (so its rules are not stricter than Docker)', () => {
    const tally: Tally = { validated: new Map(), failures: [], undocumented: [] };
    for (const file of trafficFiles()) {
      for (const r of readTraffic(file)) {
        const rb = r.resBody;
        if (!rb?.json || rb.jsonStream || (rb.bytes ?? 0) > 60_000) continue;
        const p = new URL(r.url, 'http://x').pathname.replace(/^\/v[\d.]+/, '');
        check(v, tally, r.method, p, r.status, header(r.resHeaders, 'content-type') ?? '', Buffer.from(JSON.stringify(rb.json)), `${file} ${r.method} ${r.url}`);
      }
    }
    assert.deepEqual(tally.failures, [], JSON.stringify(tally.failures, null, 1));
    assert.ok(tally.validated.size > 30, `validated ${tally.validated.size} operations`);
  });

  describe('replayed against berthd', () => {
    let d: TestDaemon;
    const tally: Tally = { validated: new Map(), failures: [], undocumented: [] };
    before(async () => {
      d = await startDaemon('swag');
      assert.equal((await cli(DOCKER, d, ['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest'])).code, 0);
    });
    after(async () => {
      await d?.close();
    });

    for (const file of trafficFiles()) {
      test(`${file}: every JSON answer validates`, { timeout: 600_000 }, async () => {
        const before = tally.failures.length;
        const n = await replay(d, file, v, tally);
        assert.ok(n.replayed > 0, 'something was replayed');
        const mine = tally.failures.slice(before);
        assert.deepEqual(mine, [], JSON.stringify(mine, null, 1));
      });
    }

    test('every operation that answered JSON in the recording was validated at least once', () => {
      const recorded = new Set<string>();
      for (const file of trafficFiles()) {
        for (const r of readTraffic(file)) {
          if (skipReason(r) || !r.resBody?.json || r.status >= 300) continue;
          const p = new URL(r.url, 'http://x').pathname.replace(/^\/v[\d.]+/, '');
          const s = v.schemaFor(r.method, p, r.status);
          if (s?.validate) recorded.add(`${r.method} ${s.template} ${r.status}`);
        }
      }
      const missing = [...recorded].filter((k) => !tally.validated.has(k));
      assert.deepEqual(missing, [], `validated: ${[...tally.validated.keys()].sort().join(', ')}`);
      assert.deepEqual(tally.undocumented, [], JSON.stringify(tally.undocumented, null, 1));
    });
  });
});
