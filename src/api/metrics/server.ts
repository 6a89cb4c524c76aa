/** The daemon's metrics door (`--metrics-addr`): GET /metrics in the Prometheus text format, nothing else. */
import * as http from 'node:http';
import type { Logger } from '../../base/logger';
import type { Engine } from '../../engine/types';

export function createMetricsServer(engine: Pick<Engine, 'metrics'>, logger: Logger): http.Server {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://metrics');
    if (url.pathname !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
      return;
    }
    engine.metrics.scrape().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': engine.metrics.contentType, 'Content-Length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (e: unknown) => {
        logger.error({ err: e instanceof Error ? e.stack ?? e.message : String(e) }, 'metrics scrape failed');
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('scrape failed\n');
      },
    );
  });
  // a scraper comes back every scrape interval (Prometheus: 1 min by default); Node's 5 s idle limit
  // would close its connection between scrapes, and a reuse racing that close fails the scrape
  server.keepAliveTimeout = 75_000;
  return server;
}

/** "127.0.0.1:9323", "[::1]:9323", ":9323" (all interfaces, as dockerd reads it) → host and port. */
export function parseMetricsAddr(addr: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
