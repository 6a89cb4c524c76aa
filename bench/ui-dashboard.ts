/**
 * The web dashboard's weight and first paint, in headless Chromium against a berthd with --ui-addr
 * and a few containers: cold loads (a fresh browser context each, so nothing is cached) measured
 * with the browser's own performance API, then a screenshot of a running container's live stats.
 * Usage: node dist/bench/ui-dashboard.js [--runs N] [--out /tmp/berth-ui.png]
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../test/kit/daemon';
import { makeBusyboxTar } from '../test/kit/busybox';
import { freePort } from '../test/kit/ports';
import { median } from './measure';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] ?? dflt : dflt);
const RUNS = Number(opt('--runs', '7')) || 7;
const OUT = opt('--out', '/tmp/berth-ui.png');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/lib/chromium/chromium';

interface Load {
  fp: number;
  fcp: number;
  /** the containers table drawn with the daemon's data */
  listed: number;
  /** bytes over the wire (headers included) for the page's own files, and their decoded size */
  pageBytes: number;
  pageDecoded: number;
  apiBytes: number;
  files: number;
}

// runs in the page (the backend's tsconfig has no DOM types, so it is passed as text)
const MEASURE = `(() => {
  const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const own = res.filter((r) => !new URL(r.name).pathname.startsWith('/api/'));
  const api = res.filter((r) => new URL(r.name).pathname.startsWith('/api/'));
  const sum = (xs, k) => xs.reduce((a, r) => a + r[k], 0);
  return {
    fp: paint['first-paint'], fcp: paint['first-contentful-paint'], listed: window.__listed,
    pageBytes: nav.transferSize + sum(own, 'transferSize'), pageDecoded: nav.decodedBodySize + sum(own, 'decodedBodySize'),
    apiBytes: sum(api, 'transferSize'), files: 1 + own.length,
  };
})()`;

async function run(d: TestDaemon, argv: string[]): Promise<void> {
  const r = await cli(DOCKER, d, argv);
  if (r.code !== 0) throw new Error(`docker ${argv.join(' ')}: ${r.stderr}`);
}

async function main(): Promise<void> {
  const port = await freePort();
  const d = await startDaemon('uibench', { args: ['--ui-addr', `127.0.0.1:${port}`] });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const tokenFile = path.join(d.execRoot, 'ui-token');
    for (let i = 0; !(await fs.stat(tokenFile).catch(() => undefined)); i++) {
      if (i > 300) throw new Error('the UI did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const token = (await fs.readFile(tokenFile, 'utf8')).trim();
    await run(d, ['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'busybox:latest']);
    await run(d, ['volume', 'create', 'web-data']);
    await run(d, ['network', 'create', 'backend']);
    await run(d, ['run', '-d', '--name', 'web', '--network', 'backend', '-v', 'web-data:/data', '-p', '127.0.0.1:18080:80', 'busybox', 'sh', '-c',
      'echo "web: serving /data on :80"; httpd -f -p 80 -h /data & n=0; while :; do n=$((n+1)); i=0; while [ $i -lt 4000 ]; do i=$((i+1)); done; [ $((n % 10)) = 0 ] && echo "web: tick $n, $(wc -c < /proc/meminfo) bytes of meminfo read"; sleep 0.1; done']);
    await run(d, ['run', '-d', '--name', 'cache', '--network', 'backend', 'busybox', 'sh', '-c', 'echo cache ready; exec sleep 3600']);
    await run(d, ['run', '--name', 'migrate', '--network', 'none', 'busybox', 'sh', '-c', 'echo migrated 3 tables']);

    const loads: Load[] = [];
    for (let i = 0; i < RUNS; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1360, height: 860 } });
      const page = await ctx.newPage();
      // mark the moment the daemon's data is on screen
      await page.addInitScript(`new MutationObserver((_, o) => { if (document.querySelector('table[aria-label=containers] tbody tr')) { window.__listed = performance.now(); o.disconnect(); } }).observe(document, { subtree: true, childList: true });`);
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.locator('table[aria-label=containers] tbody tr').first().waitFor();
      await page.waitForLoadState('load');
      loads.push((await page.evaluate(MEASURE)) as Load);
      await ctx.close();
    }
    // the browser's own share: a one-line page in a fresh context, painted from memory
    const base: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto('data:text/html,<p>hello</p>');
      // the paint entry may come a frame after the load
      base.push((await page.evaluate(`new Promise((r) => { const f = () => { const e = performance.getEntriesByName('first-contentful-paint')[0]; e ? r(e.startTime) : requestAnimationFrame(f); }; f(); })`)) as number);
      await ctx.close();
    }
    const m = (k: keyof Load) => median(loads.map((l) => l[k]));
    console.log(`web dashboard, ${RUNS} cold loads (fresh context each), medians:`);
    console.log(`  first paint ${m('fp').toFixed(0)} ms, first contentful paint ${m('fcp').toFixed(0)} ms, containers listed ${m('listed').toFixed(0)} ms`);
    console.log(`  (a one-line data: page in a fresh context: first contentful paint ${median(base).toFixed(0)} ms)`);
    console.log(`  page weight ${m('pageBytes')} bytes transferred in ${m('files')} files (${m('pageDecoded')} bytes decoded), first API answers ${m('apiBytes')} bytes`);

    const ctx = await browser.newContext({ viewport: { width: 1360, height: 860 }, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.getByLabel('token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.badge.ok').waitFor();
    await page.locator('table[aria-label=containers] tbody tr', { hasText: 'web' }).first().click();
    // about 20 samples on the charts
    for (let i = 0; i < 300 && (await page.locator('.chart').first().locator('polyline').getAttribute('points').catch(() => '') ?? '').split(' ').length < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.screenshot({ path: OUT, fullPage: true });
    console.log(`screenshot: ${OUT}`);
    await ctx.close();
  } finally {
    await browser.close();
    await d.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
