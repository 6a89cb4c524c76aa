/** What a route handler receives; the router in server.ts fills it in after auth and name checks. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Grant } from '../auth/access.js';
import type { PullThroughCache } from '../proxy/pull-through.js';
import type { Registry } from '../registry.js';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  registry: Registry;
  /** validated repository name */
  name: string;
  /** the path segment after the endpoint (reference, digest or upload id), decoded */
  param: string;
  query: URLSearchParams;
  /** what the caller may do beyond the access the route needed (a mount's source repository) */
  grant: Grant;
  /** set when the registry is a pull-through cache: reads go through it */
  proxy?: PullThroughCache;
}
