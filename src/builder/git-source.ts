/**
 * `ADD <git ref> <dest>`: a repository checked out with the host's git (Debian's), as the
 * Dockerfile frontend 1.x reads git sources: by scheme (`git://`, `ssh://`, `git@host:path`, or
 * an http(s) URL whose path ends in `.git`), with `#ref:subdir` naming a branch, tag, full commit
 * hash or other ref and a folder of the repository. `.git` is left out unless `--keep-git-dir`;
 * `--checksum` is the commit the ref must resolve to.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../base/errors';
import { CommandFailedError, run } from '../platform/spawn';

export interface GitRef {
  /** what git fetches from: the URL without its fragment */
  remote: string;
  /** branch, tag, commit or other ref; "" for the remote's default branch */
  ref: string;
  /** folder of the repository to add; "" for all of it */
  subdir: string;
}

/** A git source as ADD reads it, or undefined for anything else (a plain URL, a context path). */
export function parseGitRef(src: string): GitRef | undefined {
  const hash = src.indexOf('#');
  const remote = hash < 0 ? src : src.slice(0, hash);
  const fragment = hash < 0 ? '' : src.slice(hash + 1);
  const isGit = /^(git|ssh):\/\//i.test(remote) || /^[\w.-]+@[\w.-]+:/.test(remote) || (/^https?:\/\//i.test(remote) && /\.git\/?$/.test(new URL(remote).pathname));
  if (!isGit) return undefined;
  const colon = fragment.indexOf(':');
  const ref = colon < 0 ? fragment : fragment.slice(0, colon);
  const subdir = colon < 0 ? '' : fragment.slice(colon + 1);
  if (ref.startsWith('-')) throw new InvalidArgumentError(`invalid git ref ${JSON.stringify(ref)}`, 'BAD_GIT_REF');
  const sub = subdir ? path.posix.normalize(subdir).replace(/^\/+|\/+$/g, '') : '';
  if (sub === '..' || sub.startsWith('../')) throw new InvalidArgumentError(`invalid git subdir ${JSON.stringify(subdir)}`, 'BAD_GIT_REF');
  return { remote, ref, subdir: sub === '.' ? '' : sub };
}

/** Only the network transports: a git source never reads the daemon's own files (file://, local paths). */
const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_ALLOW_PROTOCOL: 'git:ssh:http:https',
  GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
  PATH: process.env.PATH ?? '/usr/bin:/bin',
};

async function git(args: string[], cwd: string, signal?: AbortSignal): Promise<string> {
  return (await run(['git', ...args], { cwd, env: GIT_ENV, timeoutMs: 10 * 60_000, signal })).stdout;
}

/**
 * Checks `g` out into `into` (made here; its contents are the source) and returns the commit.
 * The whole repository is fetched: a full commit hash is then as good a ref as a branch.
 */
export async function fetchGit(g: GitRef, into: string, opts: { keepGitDir: boolean; checksum?: string; signal?: AbortSignal }): Promise<{ commit: string; dir: string }> {
  const repo = path.join(into, 'repo');
  await fs.mkdir(repo, { recursive: true });
  try {
    await git(['init', '-q'], repo, opts.signal);
    await git(['remote', 'add', 'origin', g.remote], repo, opts.signal);
    // a commit is looked for in every branch and tag: servers need not serve one by its hash
    const byHash = /^[0-9a-f]{40}$/.test(g.ref);
    await git(['fetch', '-q', 'origin', ...(byHash ? ['+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'] : [g.ref || 'HEAD'])], repo, opts.signal);
    await git(['checkout', '-q', '--detach', byHash ? g.ref : 'FETCH_HEAD'], repo, opts.signal);
    await git(['submodule', '-q', 'update', '--init', '--recursive'], repo, opts.signal);
  } catch (e) {
    if (e instanceof CommandFailedError) throw new InvalidArgumentError(`failed to fetch git source ${g.remote}${g.ref ? `#${g.ref}` : ''}: ${e.stderr.trim() || e.message}`, 'GIT_FETCH_FAILED');
    throw e;
  }
  const commit = (await git(['rev-parse', 'HEAD'], repo, opts.signal)).trim();
  if (opts.checksum !== undefined && opts.checksum !== commit) throw new InvalidArgumentError(`expected checksum to match ${opts.checksum}, got ${commit}`, 'ADD_CHECKSUM');
  if (!opts.keepGitDir) await fs.rm(path.join(repo, '.git'), { recursive: true, force: true });
  const dir = g.subdir ? path.join(repo, g.subdir) : repo;
  const st = await fs.lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new InvalidArgumentError(`git source ${g.remote}: ${g.subdir} is not a directory of ${g.ref || 'the default branch'}`, 'BAD_GIT_REF');
  return { commit, dir };
}
