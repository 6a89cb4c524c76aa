/** A pino-compatible logger interface; the daemon injects the real one. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** A small JSON-lines logger to a stream, used by the daemon. */
export function createStreamLogger(
  write: (line: string) => void,
  level: 'debug' | 'info' | 'warn' | 'error' = 'info',
  bindings: Record<string, unknown> = {},
): Logger {
  const levels = { debug: 20, info: 30, warn: 40, error: 50 } as const;
  const min = levels[level];
  const emit = (lvl: keyof typeof levels, obj: object | string, msg?: string) => {
    if (levels[lvl] < min) return;
    const rec = typeof obj === 'string' ? { msg: obj } : { ...obj, msg };
    write(JSON.stringify({ level: lvl, time: new Date().toISOString(), ...bindings, ...rec }) + '\n');
  };
  return {
    debug: (o, m) => emit('debug', o, m),
    info: (o, m) => emit('info', o, m),
    warn: (o, m) => emit('warn', o, m),
    error: (o, m) => emit('error', o, m),
    child: (b) => createStreamLogger(write, level, { ...bindings, ...b }),
  };
}
