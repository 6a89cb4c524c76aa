/**
 * API conformance: the recorded traffic of real clients (../shared/api-traffic/raw) replayed against a
 * test berthd at API 1.49, and every JSON body Berth answers validated with ajv against the Engine API's
 * response type for that operation and status.
 *
 * Where the schemas come from: the devDependency `@docker/node-sdk` (Docker Inc., Apache-2.0) ships
 * `lib/types/*.ts`, TypeScript made by openapi-generator from moby's `api/swagger.yaml` (required fields,
 * enums, nested types and `x-nullable` as `| null` kept). `ts-json-schema-generator` turns them into JSON
 * Schemas here, at test time (~2 s); nothing generated is kept. The types are those of API 1.52 while it was
 * being made (package 0.0.17): `ContainerSummary.Health` says "Added in v1.52", while `SystemInfo.KernelMemoryTCP`
 * and `NetworkSettings.Bridge`, gone in the released 1.52, are still there, and `Network.Status` (1.52) not yet.
 * Every field 1.49 answers is in them; what 1.50+ added is optional there, so a 1.49 answer is judged
 * by 1.49's rules. The TypeScript says which type each operation answers, not the path: OPERATIONS maps them.
 *
 * Replayed: every request whose body was recorded (JSON or none), in order, with the ids and names the
 * recording's daemon gave swapped for Berth's, and user subnets moved to free ones. Not replayed, because
 * the recording cannot reproduce them: hijacked streams (attach, exec start, session), tar uploads (build,
 * load, import, archive PUT: only their listings were kept; a build's tags are given to bb instead),
 * registry traffic (pull, push, login), and endless streams (logs/events that follow, stats that
 * stream). Waits run beside the replay. Requests of API 1.47+ that the recording (API 1.41) lacks
 * (manifests, shared sizes) follow it, in EXTRA.
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
import { createGenerator } from 'ts-json-schema-generator';
import { startDaemon, cli, DOCKER, REPO, type TestDaemon } from '../kit/daemon';
import { makeBusyboxTar } from '../kit/busybox';
import { freeSubnet } from '../kit/subnets';

const TRAFFIC = path.resolve(REPO, '../shared/api-traffic/raw');
const SDK_TYPES = path.join(REPO, 'node_modules/@docker/node-sdk/lib/types/index.ts');

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- recorded JSON and generated schemas of every shape

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
 * Each operation's success status and the SDK type it answers (`X[]`: an array of X; `null`: JSON with no
 * schema in swagger, as build's and load's progress streams). Error statuses answer `ErrorResponse`.
 * `{name}` of images and distribution takes the rest of the path (image names hold '/' and ':').
 */
const OPERATIONS: Array<[method: string, template: string, status: number, type: string | null]> = [
  ['GET', '/version', 200, 'SystemVersion'],
  ['GET', '/info', 200, 'SystemInfo'],
  ['GET', '/system/df', 200, 'SystemDataUsageResponse'],
  ['GET', '/events', 200, 'EventMessage'],
  ['POST', '/auth', 200, 'SystemAuthResponse'],
  ['GET', '/containers/json', 200, 'ContainerSummary[]'],
  ['POST', '/containers/create', 201, 'ContainerCreateResponse'],
  ['POST', '/containers/prune', 200, 'ContainerPruneResponse'],
  ['GET', '/containers/{id}/json', 200, 'ContainerInspectResponse'],
  ['GET', '/containers/{id}/top', 200, 'ContainerTopResponse'],
  ['GET', '/containers/{id}/changes', 200, 'FilesystemChange[]'],
  ['GET', '/containers/{id}/stats', 200, 'ContainerStatsResponse'],
  ['GET', '/containers/{id}/archive', 200, null],
  ['POST', '/containers/{id}/update', 200, 'ContainerUpdateResponse'],
  ['POST', '/containers/{id}/wait', 200, 'ContainerWaitResponse'],
  ['POST', '/containers/{id}/exec', 201, 'IDResponse'],
  ['POST', '/containers/{id}/start', 204, null],
  ['POST', '/containers/{id}/kill', 204, null],
  ['DELETE', '/containers/{id}', 204, null],
  ['GET', '/exec/{id}/json', 200, 'ExecInspectResponse'],
  ['POST', '/commit', 201, 'IDResponse'],
  ['GET', '/images/json', 200, 'ImageSummary[]'],
  ['POST', '/images/create', 200, 'CreateImageInfo'],
  ['POST', '/images/load', 200, null],
  ['POST', '/images/prune', 200, 'ImagePruneResponse'],
  ['POST', '/build', 200, null],
  ['POST', '/build/prune', 200, 'BuildPruneResponse'],
  ['GET', '/images/{name}/json', 200, 'ImageInspect'],
  ['GET', '/images/{name}/history', 200, 'HistoryResponseItem[]'],
  ['POST', '/images/{name}/push', 200, 'PushImageInfo'],
  ['DELETE', '/images/{name}', 200, 'ImageDeleteResponseItem[]'],
  ['GET', '/distribution/{name}/json', 200, 'DistributionInspect'],
  ['GET', '/networks', 200, 'NetworkSummary[]'],
  ['POST', '/networks/create', 201, 'NetworkCreateResponse'],
  ['POST', '/networks/prune', 200, 'NetworkPruneResponse'],
  ['GET', '/networks/{id}', 200, 'NetworkInspect'],
  ['DELETE', '/networks/{id}', 204, null],
  ['GET', '/volumes', 200, 'VolumeListResponse'],
  ['POST', '/volumes/create', 201, 'Volume'],
  ['POST', '/volumes/prune', 200, 'VolumePruneResponse'],
  ['GET', '/volumes/{name}', 200, 'Volume'],
  ['DELETE', '/volumes/{name}', 204, null],
  ['GET', '/plugins/{name}/json', 200, 'Plugin'],
];

/**
 * Go pointer fields swagger does not mark x-nullable, which dockerd itself sends as null (seen in the
 * recording: HostConfig.MemorySwappiness, exec inspect's ExitCode before the process ended).
 */
const GO_POINTER_FIELDS = new Set(['MemorySwappiness', 'ExitCode']);

/** Go's nil slices, maps and pointers: arrays, objects and GO_POINTER_FIELDS may be null. */
function allowGoNil(node: Json, name = ''): Json {
  if (Array.isArray(node)) return node.map((n) => allowGoNil(n));
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, allowGoNil(pv, pk)]));
    else out[k] = allowGoNil(v);
  }
  const t = out.type;
  if (typeof t === 'string' && (t === 'array' || t === 'object' || GO_POINTER_FIELDS.has(name))) out.type = [t, 'null'];
  return out;
}

/** The SDK's types as JSON Schema definitions, made now from the installed package. */
function sdkDefinitions(): Record<string, Json> {
  const generator = createGenerator({ path: SDK_TYPES, type: '*', expose: 'all', jsDoc: 'none', skipTypeCheck: true, additionalProperties: true });
  return allowGoNil(generator.createSchema('*').definitions ?? {});
}

interface Operation {
  method: string;
  re: RegExp;
  template: string;
  status: number;
  type: string | null;
}

class Validator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly ops: Operation[];
  private readonly cache = new Map<string, ValidateFunction>();
  readonly definitions: Record<string, Json>;

  constructor() {
    this.definitions = sdkDefinitions();
    this.ajv.addSchema({ $id: 'sdk', definitions: this.definitions });
    this.ops = OPERATIONS.map(([method, template, status, type]) => ({
      method,
      template,
      status,
      type,
      re: new RegExp('^' + template.replace(/\{name\}/g, /^\/(images|distribution)\//.test(template) ? '(.+)' : '([^/]+)').replace(/\{[^}]+\}/g, '([^/]+)') + '$'),
    }));
    // fixed paths before templated ones (/images/json is not /images/{name}/json)
    this.ops.sort((a, b) => a.template.split('{').length - b.template.split('{').length);
  }

  private compile(type: string): ValidateFunction {
    const ref = (t: string): Json => {
      if (!(t in this.definitions)) throw new Error(`the SDK has no type ${t}`);
      return { $ref: `sdk#/definitions/${t}` };
    };
    return this.ajv.compile(type.endsWith('[]') ? { type: 'array', items: ref(type.slice(0, -2)) } : ref(type));
  }

  /**
   * The schema for a response; `undefined` when the table has no such operation or success status.
   * Every error, of any operation, is an ErrorResponse (dockerd answers them all through one handler).
   */
  schemaFor(method: string, p: string, status: number): { template: string; validate: ValidateFunction | null } | undefined {
    const op = this.ops.find((o) => o.method === method && o.re.test(p));
    if (status >= 400) return { template: op?.template ?? '(any path)', validate: this.validator('ErrorResponse') };
    if (!op || status !== op.status) return undefined;
    return { template: op.template, validate: op.type ? this.validator(op.type) : null };
  }

  private validator(type: string): ValidateFunction {
    let f = this.cache.get(type);
    if (!f) this.cache.set(type, (f = this.compile(type)));
    return f;
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
  if (/^\/exec\/[^/]+\/resize$/.test(p)) return 'resizes an exec whose (hijacked) start is not replayed';
  if (r.reqBody?.bytes && r.reqBody.kind !== 'json') return 'upload body not recorded';
  if (/^\/(auth|build)$|\/push$|^\/distribution\//.test(p) || (p === '/images/create' && u.searchParams.has('fromImage'))) return 'registry or build';
  if (/\/logs$/.test(p) && /^(1|true)$/.test(u.searchParams.get('follow') ?? '')) return 'endless stream';
  if (/\/stats$/.test(p) && !/^(0|false)$/.test(u.searchParams.get('stream') ?? '')) return 'endless stream';
  if (p === '/events' && !u.searchParams.has('until')) return 'endless stream';
  return undefined;
}

/** Requests of API 1.47+ that the recording (1.41) lacks: manifests, descriptors, shared sizes. `{c}`: a container of bb. */
const EXTRA: Array<[method: string, url: string]> = [
  ['GET', '/v1.49/images/json?manifests=1&shared-size=1'],
  ['GET', '/v1.49/images/json?all=1'],
  ['GET', '/v1.49/images/bb/json?manifests=1'],
  ['GET', '/v1.49/images/bb/json'],
  ['GET', '/v1.49/containers/json?all=1'],
  ['GET', '/v1.49/containers/{c}/json'],
  ['GET', '/v1.49/system/df'],
];

/**
 * Stop and restart with no grace period: bb's programs as PID 1 (sh, sleep) ignore SIGTERM, so each would
 * wait out its whole timeout (10 s in compose's). They answer no body, so nothing validated changes.
 */
function withoutGrace(url: string): string {
  const u = new URL(url, 'http://x');
  if (!/\/(stop|restart)$/.test(u.pathname)) return url;
  u.searchParams.set('t', '0');
  return u.pathname + u.search;
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

/** `recordedStatus`: a status the table lacks passes when dockerd gave the same. */
function check(v: Validator, tally: Tally, method: string, p: string, status: number, contentType: string, body: Buffer, where: string, recordedStatus?: number): void {
  if (!/json/.test(contentType) || body.length === 0) return;
  const s = v.schemaFor(method, p, status);
  if (!s) {
    if (status !== recordedStatus) tally.undocumented.push({ where, errors: `${method} ${p} → ${status}: no such operation/status in OPERATIONS (${body.toString().trim()})` });
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
  const waits: Array<{ done: Promise<void>; abort: AbortController; container: string; settled: () => boolean }> = [];
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
    const url = withoutGrace(subs.apply(r.url.replace(/^\/v1\.\d+\//, '/v1.49/')));
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
      let settled = false;
      const done = go(abort.signal).then((res) => check(v, tally, r.method, p, res.status, res.contentType, res.body, where, r.status), () => undefined).finally(() => (settled = true));
      waits.push({ abort, container: p.split('/')[2]!, settled: () => settled, done });
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
  // `run -i` containers read a stdin the replay could not attach, so they never end by themselves: killed
  // here, their waits answer (and are checked) too
  for (const w of waits) if (!w.settled()) await send(d.socket, 'POST', `/v1.49/containers/${w.container}/kill`, undefined, {});
  const grace = setTimeout(() => waits.forEach((w) => w.abort.abort()), 10_000);
  await Promise.all(waits.map((w) => w.done));
  clearTimeout(grace);
  return { replayed, skipped };
}

describe('Docker Engine API 1.49 conformance of the recorded traffic (response types of @docker/node-sdk)', () => {
  const v = new Validator();

  test('the validator refuses what the types forbid: a missing required field, a wrong type, a value outside an enum', () => {
    const image = { Id: 'sha256:' + 'a'.repeat(64), ParentId: '', RepoTags: ['bb:latest'], RepoDigests: [], Created: 1, Size: 1, SharedSize: -1, Labels: null, Containers: -1 };
    const list = v.schemaFor('GET', '/images/json', 200)!.validate!;
    assert.ok(list([image]), JSON.stringify(list.errors));
    const { Created: _gone, ...noCreated } = image;
    assert.ok(!list([noCreated]));
    assert.ok(!list([{ ...image, Size: '1' }]));
    assert.ok(!list([{ ...image, Manifests: [{ ID: 'x', Descriptor: {}, Available: true, Size: { Total: 1, Content: 1 }, Kind: 'image-ish' }] }]));
    const error = v.schemaFor('POST', '/containers/x/start', 500)!.validate!;
    assert.ok(error({ message: 'boom' }) && !error({ msg: 'boom' }));
    assert.equal(v.schemaFor('GET', '/containers/json', 204), undefined, 'a success status the table does not name');
  });

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
    // the table covers every operation and status dockerd answered with JSON
    assert.deepEqual(tally.undocumented, [], JSON.stringify(tally.undocumented, null, 1));
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

    test('requests of API 1.47+ that the recording lacks validate too (EXTRA)', async () => {
      const mine: Tally = { validated: new Map(), failures: [], undocumented: [] };
      const created = await send(d.socket, 'POST', '/v1.49/containers/create?name=swag-extra', JSON.stringify({ Image: 'bb', Cmd: ['true'] }), { 'Content-Type': 'application/json' });
      assert.equal(created.status, 201, created.body.toString());
      const id = (JSON.parse(created.body.toString()) as { Id: string }).Id;
      for (const [method, url] of EXTRA) {
        const u = url.replace('{c}', id);
        const res = await send(d.socket, method, u, undefined, {});
        assert.equal(res.status, 200, `${u}: ${res.body.toString()}`);
        check(v, mine, method, new URL(u, 'http://x').pathname.replace(/^\/v[\d.]+/, ''), res.status, res.contentType, res.body, `EXTRA ${method} ${u}`);
      }
      assert.deepEqual(mine.failures, [], JSON.stringify(mine.failures, null, 1));
      assert.equal([...mine.validated.values()].reduce((a, b) => a + b, 0), EXTRA.length);
    });

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
