/**
 * A small method + path router. Hand-written because Docker paths put image
 * references (which contain '/' and ':') in the middle of a path
 * (`/images/127.0.0.1:5000/rec/img/push`): a `*name` parameter must match
 * several segments and still be followed by fixed segments, which
 * find-my-way/path-to-regexp style routers only allow at the end.
 * Routes are tried in registration order, so register fixed paths
 * (`/images/json`) before greedy ones (`/images/*name/json`).
 */
export type RouteParams = Record<string, string>;

interface CompiledRoute<H> {
  method: string;
  pattern: string;
  regex: RegExp;
  names: string[];
  handler: H;
}

export interface RouteMatch<H> {
  handler: H;
  params: RouteParams;
  pattern: string;
}

export class Router<H> {
  private readonly routes: Array<CompiledRoute<H>> = [];

  /** `:id` matches one segment, `*name` one or more segments (greedy, may contain '/'). */
  add(method: string, pattern: string, handler: H): this {
    const names: string[] = [];
    const source = pattern
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          names.push(seg.slice(1));
          return '([^/]+)';
        }
        if (seg.startsWith('*')) {
          names.push(seg.slice(1));
          return '(.+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method: method.toUpperCase(), pattern, regex: new RegExp(`^${source}/?$`), names, handler });
    return this;
  }

  /** HEAD falls back to the GET route (Node drops the body for HEAD). */
  match(method: string, path: string): RouteMatch<H> | undefined {
    const m = method.toUpperCase();
    return this.find(m, path) ?? (m === 'HEAD' ? this.find('GET', path) : undefined);
  }

  private find(method: string, path: string): RouteMatch<H> | undefined {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const hit = r.regex.exec(path);
      if (!hit) continue;
      const params: RouteParams = {};
      r.names.forEach((n, i) => {
        params[n] = safeDecode(hit[i + 1] ?? '');
      });
      return { handler: r.handler, params, pattern: r.pattern };
    }
    return undefined;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
