/**
 * The real docker CLI (28) against berthd: `docker version` lists the server's components as dockerd
 * does (Engine, then the OCI runtime and docker-init with their versions and commits), and `docker info`
 * has the same commits.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';

let d: TestDaemon;
const docker = (args: string[]) => cli(DOCKER, d, args);

/** What the binary itself says: "<name> version X" and, for runtimes, a "commit: Y" line. */
function selfReport(bin: string): { version: string; commit: string } {
  const out = execFileSync(bin, ['--version']).toString();
  const first = out.split('\n')[0]!.split(' ');
  const commitLine = out.split('\n').find((l) => l.startsWith('commit:'));
  // upstream tini: "tini version 0.19.0 - git.de40ad0"; Debian's: no " - git." part
  const git = first[3] === '-' && first[4]?.startsWith('git.') ? first[4].slice(4) : '';
  return { version: first[2]!, commit: commitLine ? commitLine.slice('commit:'.length).trim() : git };
}

describe('docker version against berthd', () => {
  before(async () => {
    d = await startDaemon('ver');
  });
  after(async () => {
    await d?.close();
  });

  test('Server.Components: Engine, the OCI runtime in use and docker-init (tini), with versions and GitCommit', async () => {
    const info = await docker(['info', '--format', '{{.DefaultRuntime}}|{{json .RuncCommit}}|{{json .InitCommit}}']);
    assert.equal(info.code, 0, info.stderr);
    const [runtime, runcCommit, initCommit] = info.stdout.trim().split('|') as [string, string, string];
    assert.ok(runtime === 'runc' || runtime === 'crun', runtime);
    const r = await docker(['version', '--format', '{{json .Server.Components}}']);
    assert.equal(r.code, 0, r.stderr);
    const comps = JSON.parse(r.stdout) as Array<{ Name: string; Version: string; Details: Record<string, string> }>;
    assert.deepEqual(comps.map((c) => c.Name), ['Engine', runtime, 'docker-init']);
    const rt = selfReport(execFileSync('sh', ['-c', `command -v ${runtime}`]).toString().trim());
    assert.deepEqual(comps[1], { Name: runtime, Version: rt.version, Details: { GitCommit: rt.commit } });
    assert.ok(rt.commit.length > 0, 'runc and crun both report a commit');
    const tini = selfReport('/usr/bin/tini-static');
    assert.deepEqual(comps[2], { Name: 'docker-init', Version: tini.version, Details: { GitCommit: tini.commit } });
    // docker info's commits are the same ones
    assert.deepEqual(JSON.parse(runcCommit), { ID: rt.commit });
    assert.deepEqual(JSON.parse(initCommit), { ID: tini.commit });
    // the CLI's own rendering shows them as it shows dockerd's
    const plain = await docker(['version']);
    assert.match(plain.stdout, new RegExp(`\\n ${runtime}:\\n  Version:\\s+${rt.version.replace(/[.+]/g, '\\$&')}\\n  GitCommit:\\s+${rt.commit.replace(/[.+]/g, '\\$&')}\\n`));
    assert.match(plain.stdout, /\n docker-init:\n  Version:\s+\d+\.\d+\.\d+\n/);
  });
});
