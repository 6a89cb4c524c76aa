/**
 * The Docker API routes the dashboard may reach through the UI listener, by route pattern of
 * api/docker's router: what the page shows (lists, logs, stats, events) and the actions it offers.
 * Anything else (create, exec, attach, archive, build, pull, inspect with its env) is not there at all.
 */
export interface UiEndpoint {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: string;
}

export const UI_ENDPOINTS: readonly UiEndpoint[] = [
  { method: 'GET', pattern: '/version' },
  { method: 'GET', pattern: '/events' },
  { method: 'GET', pattern: '/containers/json' },
  { method: 'GET', pattern: '/containers/:id/logs' },
  { method: 'GET', pattern: '/containers/:id/stats' },
  { method: 'POST', pattern: '/containers/:id/start' },
  { method: 'POST', pattern: '/containers/:id/stop' },
  { method: 'POST', pattern: '/containers/:id/restart' },
  { method: 'DELETE', pattern: '/containers/:id' },
  { method: 'GET', pattern: '/images/json' },
  { method: 'DELETE', pattern: '/images/*name' },
  { method: 'GET', pattern: '/networks' },
  { method: 'DELETE', pattern: '/networks/:id' },
  { method: 'GET', pattern: '/volumes' },
  { method: 'DELETE', pattern: '/volumes/:name' },
];

export function isUiEndpoint(method: string, pattern: string): boolean {
  return UI_ENDPOINTS.some((e) => e.method === method && e.pattern === pattern);
}

/** Reading needs no token; every other method changes something and needs one. */
export function needsToken(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD';
}
