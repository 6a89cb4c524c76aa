/**
 * The web dashboard (`berthd --ui-addr`) in headless Chromium, driven by playwright-core: the page
 * lists a container the test started, follows its log, shows live stats, refuses a stop until the
 * user logs in with the daemon's token, and then stops it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { freePort } from '../../kit/ports';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/lib/chromium/chromium';
const T = { timeout: 120_000 };
const NAME = 'ui-e2e-web';
const LOG_LINE = 'hello-from-the-ui-test';

let d: TestDaemon;
let browser: Browser;
let page: Page;
let url: string;
let token: string;

async function until<V>(what: string, probe: () => Promise<V | undefined>, ms = 30_000): Promise<V> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function state(): Promise<string> {
  const r = await cli(DOCKER, d, ['inspect', '-f', '{{.State.Status}}', NAME]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

const row = () => page.locator('table[aria-label=containers] tbody tr', { hasText: NAME });

describe('web dashboard in a browser', () => {
  before(async () => {
    const port = await freePort();
    d = await startDaemon('ui', { args: ['--ui-addr', `127.0.0.1:${port}`] });
    url = `http://127.0.0.1:${port}/`;
    // the token file is written once the UI listens
    token = await until('the UI token file', async () => (await fs.readFile(path.join(d.execRoot, 'ui-token'), 'utf8')).trim() || undefined);
    assert.equal((await fs.stat(path.join(d.execRoot, 'ui-token'))).mode & 0o777, 0o600);
    assert.match(await d.log(), new RegExp(`"token":"${token}"`), 'the daemon prints the token');
    assert.equal((await cli(DOCKER, d, ['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest'])).code, 0);
    // a little CPU work so the chart has something to draw; a quick exit on SIGTERM (pid 1 has no default handler)
    const script = `trap 'exit 0' TERM; echo ${LOG_LINE}; while :; do i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; sleep 0.2; done`;
    const run = await cli(DOCKER, d, ['run', '-d', '--name', NAME, '--network', 'none', 'bb:latest', 'sh', '-c', script]);
    assert.equal(run.code, 0, run.stderr);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  after(async () => {
    await browser?.close();
    await d?.close();
  });

  test('lists the container, follows its log and shows live stats', T, async () => {
    await page.goto(url);
    await row().waitFor();
    assert.match(await row().innerText(), /running/);
    await row().click();
    await page.locator('pre.logs', { hasText: LOG_LINE }).waitFor();
    // a memory reading, then a second CPU sample (the chart needs two to draw a line)
    const stat = (name: string, re: RegExp) => until(`a ${name} reading`, async () => {
      const text = (await page.locator(`[data-stat=${name}]`).innerText()).trim();
      return re.test(text) ? text : undefined;
    });
    await stat('mem', /^\d+(\.\d+)? (B|KiB|MiB|GiB)$/);
    await stat('cpu', /^\d+(\.\d+)? %$/);
    await page.locator('.chart polyline').first().waitFor();
    assert.match((await page.locator('[data-stat=pids]').innerText()).trim(), /^[1-9]\d*$/);
    // other lists come from the same API
    await page.getByRole('button', { name: /^Images/ }).click();
    await page.locator('table[aria-label=images]', { hasText: 'bb:latest' }).waitFor();
    await page.getByRole('button', { name: /^Networks/ }).click();
    await page.locator('table[aria-label=networks]', { hasText: 'bridge' }).waitFor();
    await page.getByRole('button', { name: /^Containers/ }).click();
  });

  test('stop is refused without the token, and works after logging in with it', T, async () => {
    await row().waitFor();
    // the page's button, read-only
    await row().getByRole('button', { name: 'Stop' }).click();
    await page.locator('[role=alert]', { hasText: 'refused' }).waitFor();
    // and the API under it, called from the page without a token
    const status = await page.evaluate(async (n) => (await fetch(`/api/containers/${n}/stop`, { method: 'POST' })).status, NAME);
    assert.equal(status, 401);
    assert.equal(await state(), 'running');

    // a wrong token is not accepted
    await page.getByLabel('token').fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('input.bad').waitFor();
    assert.equal(await page.locator('.badge.ok').count(), 0);

    await page.getByLabel('token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.badge.ok', { hasText: 'signed in' }).waitFor();
    await row().getByRole('button', { name: 'Stop' }).click();
    // the list follows the daemon's events: the row turns exited and the feed shows the stop
    await page.locator('table[aria-label=containers] tbody tr', { hasText: NAME }).filter({ hasText: 'exited' }).waitFor({ timeout: 30_000 });
    await page.locator('aside[aria-label=events] li', { hasText: 'die' }).first().waitFor();
    assert.equal(await state(), 'exited');
  });
});
