/** Container environments as dockerd builds them: Config.Env, and a process's env at start and exec. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `base` overlaid by `over`, by key, a replaced key keeping its place (dockerd's ReplaceOrAppendEnvValues). */
export function overlayEnv(base: string[], over: string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...base, ...over]) {
    const i = e.indexOf('=');
    out.set(i < 0 ? e : e.slice(0, i), e);
  }
  return [...out.values()];
}

/**
 * A process's environment as dockerd makes it: PATH, HOSTNAME and (with a terminal) TERM first,
 * overlaid by the container's Config.Env, then by an exec's own; HOME last when nobody set it.
 * Config.Env itself stays as given, so inspect and commit show no PATH the user never set.
 */
export function processEnv(o: { env: string[]; hostname: string; tty: boolean; home: string; extra?: string[] }): string[] {
  const base = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${o.hostname}`, ...(o.tty ? ['TERM=xterm'] : [])];
  const env = overlayEnv(overlayEnv(base, o.env), o.extra ?? []);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${o.home || '/'}`);
  return env;
}
