/** Container routes (swagger tag "Container"): translate, call engine.containers, answer. */
import { resizeDimensions } from '../translate/resize';
import { InvalidArgumentError } from '../../../base/errors';
import { normalizeTag } from '../../../image/reference';
import type { ImageConfigConfig } from '../../../protocol/oci/image';
import type { Engine } from '../../../engine/types';
import type { LogsOptions, WaitOptions } from '../../../container/types';
import type { RestartPolicySpec } from '../../../container/spec';
import type { ContainerCreateRequest, ContainerWaitResponse } from '../../../protocol/docker/container';
import type { Handler, RequestContext } from '../../http/context';
import type { Router } from '../../http/router';
import { hijack } from '../../http/hijack';
import { sendEmpty, sendJson, writeChunk } from '../../http/respond';
import { encodeStdcopyFrame, STDERR, STDOUT } from '../../http/stdcopy';
import { pipeAttach } from '../attach-pipe';
import { detailsPrefix } from '../translate/log-details';
import { serveAttachWs } from '../attach-ws';
import { apiAtLeast } from '../../http/api-version';
import { parsePlatform } from '../../../image/distribution/platform';
import { translateContainerCreate } from '../translate/container-create';
import { toContainerInspect } from '../translate/container-inspect';
import { toContainerSummaryWire } from '../translate/container-list';
import { toStatsWire } from '../translate/container-stats';
import { encodePathStatHeader, PATH_STAT_HEADER } from '../translate/container-archive';

export function runtimeName(engine: Engine): string {
  return engine.runtimeName;
}

function stopOptions(ctx: RequestContext): { timeout?: number; signal?: string } {
  const opts: { timeout?: number; signal?: string } = {};
  const t = ctx.query.int('t');
  if (t !== undefined) opts.timeout = t;
  const sig = ctx.query.string('signal');
  if (sig) opts.signal = sig;
  return opts;
}

/** As dockerd: anything but a whole number of lines (all, -1, junk) means every line. */
function parseTail(v: string | undefined): number | undefined {
  const n = Number(v);
  return v === undefined || v === '' || !Number.isInteger(n) || n < 0 ? undefined : n;
}


export function registerContainerRoutes(router: Router<Handler>, engine: Engine): void {
  const c = engine.containers;

  router.add('POST', '/containers/create', async (ctx) => {
    const body = await ctx.json<ContainerCreateRequest>({ requireJsonType: true });
    if (body === undefined) throw new InvalidArgumentError('invalid JSON: got EOF while reading request body', 'INVALID_JSON');
    const { spec, warnings: deprecated } = translateContainerCreate(body, ctx.query.string('name'), ctx.apiVersion);
    const platform = ctx.query.string('platform');
    if (platform && apiAtLeast(ctx.apiVersion, '1.41')) spec.platform = parsePlatform(platform);
    const { id, warnings } = await c.create(spec);
    sendJson(ctx.res, 201, { Id: id, Warnings: [...warnings, ...deprecated] });
  });

  router.add('GET', '/containers/json', async (ctx) => {
    const limit = ctx.query.int('limit');
    const opts: { all: boolean; limit?: number; filters: Record<string, string[]>; size: boolean } = { all: ctx.query.bool('all'), filters: ctx.query.filters(), size: ctx.query.bool('size') };
    if (limit !== undefined && limit > 0) opts.limit = limit;
    const list = await c.list(opts);
    sendJson(ctx.res, 200, list.map((s) => toContainerSummaryWire(s, ctx.apiVersion)));
  });

  router.add('POST', '/containers/prune', async (ctx) => {
    await ctx.body();
    const r = await c.prune(ctx.query.filters());
    sendJson(ctx.res, 200, { ContainersDeleted: r.deleted.length ? r.deleted : null, SpaceReclaimed: r.spaceReclaimed });
  });

  router.add('GET', '/containers/:id/json', async (ctx) => {
    const rec = await c.inspect(ctx.params.id!);
    const imageManifest = apiAtLeast(ctx.apiVersion, '1.48') ? await engine.images.manifestDescriptor(rec.imageId) : undefined;
    const body = toContainerInspect(rec, { runtime: runtimeName(engine), apiVersion: ctx.apiVersion, cgroupnsMode: engine.cgroupnsMode, ...(imageManifest ? { imageManifest } : {}) });
    if (ctx.query.bool('size')) {
      const { sizeRw, sizeRootFs } = await c.sizes(rec.id);
      Object.assign(body, { SizeRw: sizeRw, SizeRootFs: sizeRootFs });
    }
    sendJson(ctx.res, 200, body);
  });

  router.add('POST', '/containers/:id/start', async (ctx) => {
    await ctx.body(); // old clients may send a HostConfig here; dockerd ignores it since 1.24
    await c.start(ctx.params.id!);
    sendEmpty(ctx.res, 204);
  });

  router.add('POST', '/containers/:id/stop', async (ctx) => {
    await ctx.body();
    await c.stop(ctx.params.id!, stopOptions(ctx));
    sendEmpty(ctx.res, 204);
  });

  router.add('POST', '/containers/:id/restart', async (ctx) => {
    await ctx.body();
    await c.restart(ctx.params.id!, stopOptions(ctx));
    sendEmpty(ctx.res, 204);
  });

  router.add('POST', '/containers/:id/kill', async (ctx) => {
    await ctx.body();
    await c.kill(ctx.params.id!, ctx.query.string('signal') || undefined);
    sendEmpty(ctx.res, 204);
  });

  router.add('POST', '/containers/:id/pause', async (ctx) => {
    await c.pause(ctx.params.id!);
    sendEmpty(ctx.res, 204);
  });

  router.add('POST', '/containers/:id/unpause', async (ctx) => {
    await c.unpause(ctx.params.id!);
    sendEmpty(ctx.res, 204);
  });

  router.add('POST', '/containers/:id/rename', async (ctx) => {
    await ctx.body();
    await c.rename(ctx.params.id!, ctx.query.string('name') ?? '');
    sendEmpty(ctx.res, 204);
  });

  // swagger: ContainerUpdate. Zero means "leave as is", as dockerd reads these fields.
  router.add('POST', '/containers/:id/update', async (ctx) => {
    const b = (await ctx.json<Record<string, unknown>>({ requireJsonType: true })) ?? {};
    const num = (k: string) => (typeof b[k] === 'number' && b[k] !== 0 ? (b[k] as number) : undefined);
    const str = (k: string) => (typeof b[k] === 'string' && b[k] !== '' ? (b[k] as string) : undefined);
    const rp = b.RestartPolicy as { Name?: string; MaximumRetryCount?: number } | undefined;
    const r = await c.update(ctx.params.id!, {
      memory: num('Memory'),
      memorySwap: num('MemorySwap'),
      memoryReservation: num('MemoryReservation'),
      nanoCpus: num('NanoCpus'),
      cpuShares: num('CpuShares'),
      cpuQuota: num('CpuQuota'),
      cpuPeriod: num('CpuPeriod'),
      cpusetCpus: str('CpusetCpus'),
      cpusetMems: str('CpusetMems'),
      // 0 and negatives unset the limit; clients before 1.40 could not send it, and dockerd ignores it from them
      pidsLimit: typeof b.PidsLimit === 'number' && apiAtLeast(ctx.apiVersion, '1.40') ? b.PidsLimit : undefined,
      restartPolicy: rp && rp.Name !== undefined ? { name: rp.Name as RestartPolicySpec['name'], maximumRetryCount: rp.MaximumRetryCount ?? 0 } : undefined,
    });
    sendJson(ctx.res, 200, { Warnings: r.warnings });
  });

  router.add('POST', '/containers/:id/resize', async (ctx) => {
    await ctx.body();
    const { height, width } = resizeDimensions(ctx.query.string('h'), ctx.query.string('w'));
    await c.resize(ctx.params.id!, height, width);
    sendEmpty(ctx.res, 200);
  });

  router.add('GET', '/containers/:id/top', async (ctx) => {
    const r = await c.top(ctx.params.id!, ctx.query.string('ps_args') || undefined);
    sendJson(ctx.res, 200, { Titles: r.titles, Processes: r.processes });
  });

  // stream=0: two readings a second apart (clients compute CPU % from the pair), as dockerd answers.
  // stream=1: a reading every second until the client leaves or the container stops.
  router.add('GET', '/containers/:id/stats', async (ctx) => {
    const id = ctx.params.id!;
    const stream = ctx.query.string('stream') === undefined ? true : ctx.query.bool('stream');
    const oneShot = ctx.query.bool('one-shot');
    let prev = await c.stats(id);
    const tick = () => new Promise<void>((r) => {
      const t = setTimeout(r, 1000);
      ctx.signal.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true });
    });
    if (!stream) {
      if (!oneShot && prev.running) await tick();
      const cur = oneShot ? prev : await c.stats(id);
      sendJson(ctx.res, 200, toStatsWire(cur, oneShot ? undefined : prev));
      return;
    }
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    await writeChunk(ctx.res, JSON.stringify(toStatsWire(prev, undefined)) + '\n');
    while (!ctx.signal.aborted && prev.running) {
      await tick();
      if (ctx.signal.aborted) break;
      const cur = await c.stats(id).catch(() => undefined);
      if (!cur) break;
      await writeChunk(ctx.res, JSON.stringify(toStatsWire(cur, prev)) + '\n');
      prev = cur;
    }
    ctx.res.end();
  });

  router.add('DELETE', '/containers/:id', async (ctx) => {
    await c.remove(ctx.params.id!, { force: ctx.query.bool('force'), volumes: ctx.query.bool('v') });
    sendEmpty(ctx.res, 204);
  });

  router.add('POST', '/containers/:id/wait', async (ctx) => {
    const condition = (ctx.query.string('condition') || 'not-running') as WaitOptions['condition'];
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) {
      throw new InvalidArgumentError(`invalid condition: "${condition}"`, 'INVALID_CONDITION');
    }
    c.resolve(ctx.params.id!); // a missing container is a 404, before the 200 goes out
    // `docker run` needs the headers before the container starts (SUMMARY §3)
    ctx.res.statusCode = 200;
    ctx.res.setHeader('Content-Type', 'application/json');
    ctx.res.flushHeaders();
    let body: ContainerWaitResponse;
    try {
      const r = await c.wait(ctx.params.id!, { condition, signal: ctx.signal });
      body = { StatusCode: r.statusCode, Error: r.error ? { Message: r.error } : null };
    } catch (e) {
      body = { StatusCode: -1, Error: { Message: ctx.signal.aborted ? 'context canceled' : (e as Error).message } };
    }
    if (!ctx.res.destroyed) ctx.res.end(JSON.stringify(body) + '\n');
  });

  router.add('GET', '/containers/:id/logs', async (ctx) => {
    const q = ctx.query;
    const opts: LogsOptions = {
      follow: q.bool('follow'),
      stdout: q.bool('stdout'),
      stderr: q.bool('stderr'),
      timestamps: q.bool('timestamps'),
      signal: ctx.signal,
    };
    if (!opts.stdout && !opts.stderr) throw new InvalidArgumentError('Bad parameters: you must choose at least one stream', 'NO_STREAM');
    const since = q.number('since');
    if (since !== undefined && since > 0) opts.since = since;
    const until = q.number('until');
    if (until !== undefined && until > 0) opts.until = until;
    const details = q.bool('details');
    const tail = parseTail(q.string('tail'));
    if (tail !== undefined) opts.tail = tail;
    const rec = c.resolve(ctx.params.id!);
    const entries = c.logs(ctx.params.id!, opts);
    // dockerd sends logs without a Content-Type (SUMMARY §4), chunked
    ctx.res.statusCode = 200;
    ctx.res.flushHeaders();
    // Frames go out in batches: one chunked write per line made `docker logs` of a big log crawl. Entries
    // that arrive together (read from a file) share a write; a follower's lone line goes out at once.
    let batch: Buffer[] = [];
    let bytes = 0;
    let flushing: NodeJS.Immediate | undefined;
    const flush = () => {
      flushing = undefined;
      const out = batch;
      batch = [];
      bytes = 0;
      return out.length ? writeChunk(ctx.res, out.length === 1 ? out[0]! : Buffer.concat(out)) : Promise.resolve();
    };
    for await (const e of entries) {
      const line = details ? Buffer.concat([Buffer.from(detailsPrefix(e.attrs)), e.data]) : e.data;
      const payload = opts.timestamps ? Buffer.concat([Buffer.from(`${e.time} `), line]) : line;
      const chunk = rec.spec.tty ? payload : encodeStdcopyFrame(e.stream === 'stderr' ? STDERR : STDOUT, payload);
      batch.push(chunk);
      bytes += chunk.length;
      if (bytes >= 64 * 1024) {
        if (flushing) clearImmediate(flushing);
        await flush();
      } else {
        flushing ??= setImmediate(() => void flush());
      }
      if (ctx.signal.aborted) break;
    }
    if (flushing) clearImmediate(flushing);
    await flush();
    if (!ctx.res.writableEnded) ctx.res.end();
  });

  router.add('POST', '/containers/:id/attach', async (ctx) => {
    const q = ctx.query;
    // detachKeys is accepted; the CLI recognises its detach sequence itself (SUMMARY §3)
    const opts = { stdin: q.bool('stdin'), stdout: q.bool('stdout'), stderr: q.bool('stderr'), stream: q.bool('stream'), logs: q.bool('logs') };
    const inner = await c.attach(ctx.params.id!, opts);
    const tty = c.resolve(ctx.params.id!).spec.tty;
    const client = await hijack(ctx, { standardHeaders: false, multiplexed: !tty });
    // a terminal's output is all stdout; without a terminal the frames are picked by stream
    await pipeAttach(client, inner, { stdin: opts.stdin, streams: tty ? { stdout: opts.stdout, stderr: opts.stdout } : { stdout: opts.stdout, stderr: opts.stderr } });
  });

  // before 1.42 dockerd ignored stdin/stdout/stderr here and attached all three
  router.add('GET', '/containers/:id/attach/ws', async (ctx) => {
    const q = ctx.query;
    const pick = (k: string) => !apiAtLeast(ctx.apiVersion, '1.42') || q.bool(k);
    const rec = c.resolve(ctx.params.id!);
    const streams = { stdin: pick('stdin'), stdout: pick('stdout'), stderr: pick('stderr') };
    await serveAttachWs(ctx, () => c.attach(ctx.params.id!, { ...streams, stream: q.bool('stream'), logs: q.bool('logs') }), { tty: rec.spec.tty, ...streams });
  });

  router.add('GET', '/containers/:id/changes', async (ctx) => {
    const changes = await c.changes(ctx.params.id!);
    sendJson(ctx.res, 200, changes.map((x) => ({ Path: x.path, Kind: x.kind })));
  });

  // swagger: ImageCommit. The body, when there is one, is the container config to commit instead.
  router.add('POST', '/commit', async (ctx) => {
    const q = ctx.query;
    const body = await ctx.json<ImageConfigConfig>({ requireJsonType: true });
    const repo = q.string('repo');
    const tag = repo ? normalizeTag(q.string('tag') ? `${repo}:${q.string('tag')}` : repo) : undefined;
    const img = await c.commit(q.string('container') ?? '', {
      tag,
      comment: q.string('comment') || undefined,
      author: q.string('author') || undefined,
      changes: q.all('changes').filter(Boolean),
      pause: q.string('pause') === undefined ? true : q.bool('pause'),
      config: body && Object.keys(body).length ? body : undefined,
    });
    sendJson(ctx.res, 201, { Id: img.id });
  });

  router.add('GET', '/containers/:id/export', async (ctx) => {
    const tar = await c.export(ctx.params.id!);
    ctx.res.statusCode = 200;
    ctx.res.setHeader('Content-Type', 'application/octet-stream');
    ctx.signal.addEventListener('abort', () => tar.destroy(), { once: true });
    for await (const chunk of tar) await writeChunk(ctx.res, chunk as Buffer);
    ctx.res.end();
  });

  // docker cp (swagger: ContainerArchiveInfo, ContainerArchive, PutContainerArchive)
  router.add('HEAD', '/containers/:id/archive', async (ctx) => {
    const stat = await c.statPath(ctx.params.id!, ctx.query.string('path') ?? '');
    ctx.res.setHeader(PATH_STAT_HEADER, encodePathStatHeader(stat));
    sendEmpty(ctx.res, 200);
  });

  router.add('GET', '/containers/:id/archive', async (ctx) => {
    const { stat, tar } = await c.getArchive(ctx.params.id!, ctx.query.string('path') ?? '');
    ctx.signal.addEventListener('abort', () => tar.destroy(), { once: true });
    ctx.res.statusCode = 200;
    ctx.res.setHeader('Content-Type', 'application/x-tar');
    ctx.res.setHeader(PATH_STAT_HEADER, encodePathStatHeader(stat));
    // as Go's server: a small answer goes out whole with Content-Length, a large one chunked
    const head: Buffer[] = [];
    let size = 0;
    const it = tar[Symbol.asyncIterator]();
    let next = await it.next();
    while (!next.done && size < 4096) {
      head.push(next.value as Buffer);
      size += (next.value as Buffer).length;
      next = await it.next();
    }
    if (next.done) {
      ctx.res.setHeader('Content-Length', size);
      ctx.res.end(Buffer.concat(head));
      return;
    }
    for (const chunk of head) await writeChunk(ctx.res, chunk);
    while (!next.done) {
      await writeChunk(ctx.res, next.value as Buffer);
      next = await it.next();
    }
    ctx.res.end();
  });

  router.add('PUT', '/containers/:id/archive', async (ctx) => {
    const q = ctx.query;
    await c.putArchive(ctx.params.id!, q.string('path') ?? '', ctx.bodyStream(), {
      noOverwriteDirNonDir: q.bool('noOverwriteDirNonDir'),
      copyUIDGID: q.bool('copyUIDGID'),
    });
    sendEmpty(ctx.res, 200);
  });
}
