/**
 * Container verbs through the Docker API of a test daemon: kill, rename, pause/unpause, export, top,
 * prune, info. Raw HTTP, so what is checked is the wire: statuses, bodies, and the order of effects.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { startDaemon, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** the response ended as HTTP says it should (no reset, no cut chunked stream) */
  complete: boolean;
}

function api(method: string, p: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, method, path: p, headers: body === undefined ? {} : { 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const done = (complete: boolean) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete });
      res.on('end', () => done(res.complete));
      res.on('error', () => done(false));
      res.on('aborted', () => done(false));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const json = <T = Record<string, unknown>>(r: Reply): T => JSON.parse(r.body.toString()) as T;

async function create(cmd: string[], extra: Record<string, unknown> = {}, name?: string): Promise<string> {
  const r = await api('POST', `/containers/create${name ? `?name=${name}` : ''}`, { Image: 'bb', Cmd: cmd, ...extra });
  assert.equal(r.status, 201, r.body.toString());
  return json<{ Id: string }>(r).Id;
}

async function runDetached(cmd: string[], name?: string): Promise<string> {
  const id = await create(cmd, {}, name);
  const r = await api('POST', `/containers/${id}/start`);
  assert.equal(r.status, 204, r.body.toString());
  return id;
}

const inspect = async (id: string) => json<{ Name: string; State: { Status: string; ExitCode: number; Running: boolean; Paused: boolean } }>(await api('GET', `/containers/${id}/json`));

describe('container verbs through the API', () => {
  before(async () => {
    d = await startDaemon('api');
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    const r = await new Promise<number>((resolve, reject) => {
      const req = http.request({ socketPath: d.socket, method: 'POST', path: '/images/create?fromSrc=-&repo=bb&tag=latest', headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      createReadStream(tar).pipe(req);
    });
    assert.equal(r, 200);
  });
  after(async () => {
    await d?.close();
  });

  test('kill -s KILL answers once the exit is recorded: inspect right after says 137, every time', async () => {
    for (let i = 0; i < 20; i++) {
      const id = await runDetached(['sleep', '60']);
      const k = await api('POST', `/containers/${id}/kill?signal=KILL`);
      assert.equal(k.status, 204, k.body.toString());
      const st = (await inspect(id)).State;
      assert.deepEqual({ status: st.Status, exitCode: st.ExitCode, round: i }, { status: 'exited', exitCode: 137, round: i });
      assert.equal((await api('DELETE', `/containers/${id}`)).status, 204);
    }
  });
});
