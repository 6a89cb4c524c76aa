/**
 * A plain GET over node:http(s) for blob bodies. fetch hands a body over as a
 * web stream, which costs a promise and a copy per chunk: on a pull of a few
 * hundred MB that is a tenth of the daemon's CPU. Redirects are followed (as
 * registries send blobs to object storage), without the Authorization header
 * once the host changes.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';

export function httpGet(url: string, headers: Record<string, string>, signal?: AbortSignal, redirects = 5): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.get(u, { headers, ...(signal ? { signal } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location && redirects > 0) {
        res.resume();
        const next = new URL(location, u);
        const h = { ...headers };
        if (next.host !== u.host) delete h.Authorization;
        httpGet(next.toString(), h, signal, redirects - 1).then(resolve, reject);
        return;
      }
      resolve(res);
    });
    req.on('error', reject);
  });
}
