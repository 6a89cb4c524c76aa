/**
 * `berth cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-` and
 * `berth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH`: HEAD/GET/PUT
 * /containers/{id}/archive with the docker CLI's rules and messages (cp-rules.ts).
 */
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CliContext } from '../../cli-context';
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';
import { copyInfoDestinationPath, copyInfoSourcePath, extractLocal, resolveLocalPath, tarLocalSource, validateOutputPath } from './cp-local';
import { humanSize, prepareArchiveCopy, rebaseEntry, splitCpArg, splitPathDirEntry, type CopyInfo } from './cp-rules';

interface CpOptions {
  archive?: boolean;
  followLink?: boolean;
  quiet?: boolean;
}

interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;
const GO_MODE_DEVICE = 2 ** 26;
const GO_MODE_IRREGULAR = 2 ** 19;
const hasBit = (mode: number, bit: number) => Math.floor(mode / bit) % 2 === 1;

function decodeStat(header: string): PathStat {
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PathStat;
}

/** Counts the bytes that pass (docker cp reports the tar's size). */
function counter(): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _e, cb) {
      t.bytes += chunk.length;
      cb(null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}

/** docker's ValidateOutputPathFileMode: devices and irregular files are no destination. */
function validateFileMode(mode: number, what: string): void {
  if (hasBit(mode, GO_MODE_DEVICE)) throw new CliExit(1, `${what}: got a device`);
  if (hasBit(mode, GO_MODE_IRREGULAR)) throw new CliExit(1, `${what}: got an irregular file`);
}

async function statContainer(ctx: CliContext, container: string, p: string): Promise<PathStat> {
  const client = await ctx.client();
  return decodeStat(await client.containers.statPath(container, p));
}

async function copyFromContainer(ctx: CliContext, container: string, srcPath: string, dstArg: string, f: CpOptions): Promise<void> {
  const dstPath = dstArg === '-' ? '-' : resolveLocalPath(dstArg);
  if (dstPath !== '-') await validateOutputPath(dstPath);
  let src = srcPath;
  let rebaseName = '';
  if (f.followLink) {
    const st = await statContainer(ctx, container, src);
    if (hasBit(st.mode, GO_MODE_SYMLINK) && st.linkTarget) {
      // dockerd reports the target resolved and absolute; the entries keep the link's name
      const wanted = splitPathDirEntry(src)[1];
      src = st.linkTarget;
      if (splitPathDirEntry(src)[1] !== wanted) rebaseName = wanted;
    }
  }
  const client = await ctx.client();
  const res = await client.containers.getArchive(container, src);
  const header = res.headers['x-docker-container-path-stat'];
  const stat = decodeStat((Array.isArray(header) ? header[0] : header) ?? '');
  const count = counter();
  if (dstPath === '-') {
    await pipeline(res, count, ctx.out);
    return;
  }
  const srcInfo: CopyInfo = { path: src, exists: true, isDir: stat.mode >= GO_MODE_DIR, ...(rebaseName ? { rebaseName } : {}) };
  const dstInfo = await copyInfoDestinationPath(dstPath);
  const { dstDir, rebase } = prepareArchiveCopy(srcInfo, dstInfo);
  res.pipe(count);
  await extractLocal(count, dstDir.replace(/(.)\/+$/, '$1'), (n) => rebaseEntry(n, rebase));
  report(ctx, f, count.bytes, dstPath);
}

async function copyToContainer(ctx: CliContext, srcArg: string, container: string, dstPath: string, f: CpOptions): Promise<void> {
  const srcPath = srcArg === '-' ? '-' : resolveLocalPath(srcArg);
  const dstInfo: CopyInfo = { path: dstPath, exists: false, isDir: false };
  let st = await statContainer(ctx, container, dstPath).catch(() => undefined);
  if (st && hasBit(st.mode, GO_MODE_SYMLINK)) {
    const target = st.linkTarget.startsWith('/') ? st.linkTarget : `${splitPathDirEntry(dstPath)[0]}/${st.linkTarget}`;
    dstInfo.path = target;
    st = await statContainer(ctx, container, target).catch(() => undefined);
  }
  // a failed stat is not an error: the path may simply not exist yet (the PUT tells)
  if (st) {
    validateFileMode(st.mode, `destination "${container}:${dstPath}" must be a directory or a regular file`);
    dstInfo.exists = true;
    dstInfo.isDir = st.mode >= GO_MODE_DIR;
  }
  let content: Readable;
  let resolvedDst: string;
  if (srcPath === '-') {
    if (!dstInfo.isDir) throw new CliExit(1, `destination "${container}:${dstPath}" must be a directory`);
    content = ctx.streams.stdin;
    resolvedDst = dstInfo.path;
  } else {
    const srcInfo = await copyInfoSourcePath(srcPath, !!f.followLink);
    const { dstDir, rebase } = prepareArchiveCopy(srcInfo, dstInfo);
    // the entries are named as they should land: no renaming pass over the tar
    content = tarLocalSource(srcInfo, rebase ? rebase[1] : splitPathDirEntry(srcInfo.path)[1]);
    resolvedDst = dstDir;
  }
  const count = counter();
  content.on('error', (e) => count.destroy(e));
  content.pipe(count);
  const client = await ctx.client();
  await client.containers.putArchive(container, resolvedDst, count, { copyUIDGID: !!f.archive });
  report(ctx, f, count.bytes, `${container}:${dstPath}`);
}

/** docker cp prints the size only to a terminal, unless -q. */
function report(ctx: CliContext, f: CpOptions, bytes: number, dst: string): void {
  const err = ctx.err as NodeJS.WritableStream & { isTTY?: boolean };
  if (!f.quiet && err.isTTY) err.write(`Successfully copied ${humanSize(bytes)} to ${dst}\n`);
}

export const command: CommandModule<CpOptions> = {
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  description: 'Copy files/folders between a container and the local filesystem',
  flags: [
    { flags: '-a, --archive', key: 'archive', kind: 'bool', description: 'Archive mode (copy all uid/gid information)' },
    { flags: '-L, --follow-link', key: 'followLink', kind: 'bool', description: 'Always follow symbol link in SRC_PATH' },
    { flags: '-q, --quiet', key: 'quiet', kind: 'bool', description: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached' },
  ],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, [srcArg, dstArg], f) {
    const src = splitCpArg(srcArg!);
    const dst = splitCpArg(dstArg!);
    if (src.container !== undefined && dst.container !== undefined) throw new CliExit(1, 'copying between containers is not supported');
    if (src.container === undefined && dst.container === undefined) throw new CliExit(1, 'must specify at least one container source');
    if (src.container !== undefined) {
      if (!src.container) throw new CliExit(1, 'must specify at least one container source');
      await copyFromContainer(ctx, src.container, src.path, dst.path, f);
    } else {
      await copyToContainer(ctx, src.path, dst.container!, dst.path, f);
    }
    return 0;
  },
};
