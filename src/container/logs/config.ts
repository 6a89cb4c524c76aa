/**
 * Logging-driver configuration: which drivers exist, which options each takes, and the
 * daemon default merged into a container's choice at create (as dockerd's
 * mergeAndVerifyLogConfig does). Pure: every check runs at create, so a bad option
 * refuses the container before anything is made.
 */
import { InvalidArgumentError } from '../../base/errors';

export interface LogConfig {
  type: string;
  config: Record<string, string>;
}

/** Drivers that ship records somewhere else; `docker logs` reads their local cache (dual logging). */
export const REMOTE_DRIVERS = ['syslog', 'gelf', 'fluentd', 'journald'] as const;
/** What `docker info` lists under Plugins.Log (Docker leaves out "none"). */
export const LOG_DRIVERS = ['fluentd', 'gelf', 'journald', 'json-file', 'local', 'syslog'] as const;

const COMMON_META = ['tag', 'labels', 'labels-regex', 'env', 'env-regex'];
const MODE = ['mode', 'max-buffer-size'];
const CACHE = ['cache-disabled', 'cache-max-size', 'cache-max-file', 'cache-compress'];

const OPTS: Record<string, string[]> = {
  'json-file': ['max-size', 'max-file', 'compress', ...COMMON_META, ...MODE],
  local: ['max-size', 'max-file', 'compress', ...MODE],
  syslog: ['syslog-address', 'syslog-facility', 'syslog-format', 'syslog-tls-ca-cert', 'syslog-tls-cert', 'syslog-tls-key', 'syslog-tls-skip-verify', ...COMMON_META, ...MODE, ...CACHE],
  gelf: ['gelf-address', 'gelf-compression-type', 'gelf-compression-level', 'gelf-tcp-max-reconnect', 'gelf-tcp-reconnect-delay', ...COMMON_META, ...MODE, ...CACHE],
  fluentd: ['fluentd-address', 'fluentd-async', 'fluentd-async-connect', 'fluentd-buffer-limit', 'fluentd-retry-wait', 'fluentd-max-retries', 'fluentd-sub-second-precision', 'fluentd-request-ack', ...COMMON_META, ...MODE, ...CACHE],
  journald: [...COMMON_META, ...MODE, ...CACHE],
};

/** Berth's default beyond Docker: every container's log is capped on disk unless the user says otherwise. */
export const BUILTIN_DEFAULT_LOG_CONFIG: LogConfig = { type: 'json-file', config: { 'max-size': '20m', 'max-file': '3' } };

/** Docker's `local` driver defaults (also the dual-logging cache's). */
export const LOCAL_DEFAULTS = { maxSize: 20 * 1024 * 1024, maxFile: 5, compress: true };

export interface HostFacts {
  /** journald's socket exists (the journald driver needs it) */
  journald: boolean;
}

/**
 * The container's LogConfig with the daemon's default applied: an empty type takes the daemon's
 * driver; the daemon's options fill keys the container left out when the driver is the daemon's.
 */
export function mergeLogConfig(requested: LogConfig | undefined, daemon: LogConfig): LogConfig {
  const type = requested?.type || daemon.type;
  const config = { ...(requested?.config ?? {}) };
  if (type === daemon.type) for (const [k, v] of Object.entries(daemon.config)) if (!(k in config)) config[k] = v;
  return { type, config };
}

/** Refuses unknown drivers and options, and values that would fail later, in Docker's words. */
export function validateLogConfig(cfg: LogConfig, host: HostFacts): void {
  const { type, config } = cfg;
  if (type === 'none') return;
  const mode = config['mode'];
  if (mode !== undefined && mode !== '' && mode !== 'blocking' && mode !== 'non-blocking') throw bad(`logger: logging mode not supported: ${mode}`);
  if (config['max-buffer-size'] !== undefined) {
    if (mode !== 'non-blocking') throw bad(`logger: max-buffer-size option is only supported with 'mode=non-blocking'`);
    ramInBytes(config['max-buffer-size']);
  }
  const allowed = OPTS[type];
  if (!allowed) throw bad(`logger: no log driver named '${type}' is registered`);
  for (const k of Object.keys(config)) if (!allowed.includes(k)) throw bad(`unknown log opt '${k}' for ${type} log driver`);
  if (type === 'journald' && !host.journald) throw bad('journald is not enabled on this host');
  checkRotation(type, config);
  if (type === 'syslog') {
    if (config['syslog-address']) parseSyslogAddress(config['syslog-address']);
    const fac = config['syslog-facility'];
    if (fac && syslogFacility(fac) === undefined) throw bad('invalid syslog facility');
    const fmt = config['syslog-format'];
    if (fmt && !['rfc5424', 'rfc5424micro', 'rfc3164'].includes(fmt)) throw bad('Invalid syslog format');
  }
  if (type === 'gelf') {
    parseNetAddress(config['gelf-address'] ?? '', 'gelf', ['udp', 'tcp'], 'gelf-address is a required parameter');
    const ct = config['gelf-compression-type'];
    if (ct && !['gzip', 'zlib', 'none'].includes(ct)) throw bad(`Unknown compression type ${ct}`);
    const lvl = config['gelf-compression-level'];
    if (lvl !== undefined && !/^-?\d$/.test(lvl)) throw bad(`gelf-compression-level must be an integer from -1 to 9: ${lvl}`);
  }
  if (type === 'fluentd') {
    if (config['fluentd-address']) parseFluentdAddress(config['fluentd-address']);
    for (const k of ['fluentd-async', 'fluentd-async-connect', 'fluentd-sub-second-precision', 'fluentd-request-ack']) if (config[k] !== undefined) parseBool(config[k]!, k);
    if (config['fluentd-buffer-limit'] !== undefined) ramInBytes(config['fluentd-buffer-limit']);
  }
  if (config['tag'] !== undefined) checkTagTemplate(config['tag']);
}

function checkRotation(type: string, c: Record<string, string>): void {
  const sz = type === 'json-file' || type === 'local' ? 'max-size' : 'cache-max-size';
  const fl = sz === 'max-size' ? 'max-file' : 'cache-max-file';
  const cp = sz === 'max-size' ? 'compress' : 'cache-compress';
  if (c[sz] !== undefined) {
    const n = type === 'json-file' ? fromHumanSize(c[sz]!) : ramInBytes(c[sz]!);
    if (n <= 0 && type !== 'json-file') throw bad(`${sz} must be a positive number`);
  }
  if (c[fl] !== undefined) {
    const n = Number(c[fl]);
    if (!/^-?\d+$/.test(c[fl]!)) throw bad(`strconv.Atoi: parsing "${c[fl]}": invalid syntax`);
    if (n < 1) throw bad(`${fl} cannot be less than 1`);
  }
  if (c[cp] !== undefined) parseBool(c[cp]!, cp);
  if (c['cache-disabled'] !== undefined) parseBool(c['cache-disabled'], 'cache-disabled');
}

/** Rotation of a driver's local files (json-file, local, or a remote driver's cache). maxSize -1 = none. */
export interface RotationOptions {
  maxSize: number;
  maxFile: number;
  compress: boolean;
}

export function rotationOf(cfg: LogConfig): RotationOptions | undefined {
  const c = cfg.config;
  if (cfg.type === 'json-file') {
    const maxSize = c['max-size'] !== undefined ? fromHumanSize(c['max-size']) : -1;
    return { maxSize: maxSize > 0 ? maxSize : -1, maxFile: c['max-file'] !== undefined ? Number(c['max-file']) : 1, compress: c['compress'] !== undefined && parseBool(c['compress'], 'compress') };
  }
  const [sz, fl, cp] = cfg.type === 'local' ? ['max-size', 'max-file', 'compress'] : ['cache-max-size', 'cache-max-file', 'cache-compress'];
  if (cfg.type === 'none' || (cfg.type !== 'local' && c['cache-disabled'] !== undefined && parseBool(c['cache-disabled'], 'cache-disabled'))) return undefined;
  return {
    maxSize: c[sz!] !== undefined ? ramInBytes(c[sz!]!) : LOCAL_DEFAULTS.maxSize,
    maxFile: c[fl!] !== undefined ? Number(c[fl!]) : LOCAL_DEFAULTS.maxFile,
    compress: c[cp!] !== undefined ? parseBool(c[cp!]!, cp!) : LOCAL_DEFAULTS.compress,
  };
}

const bad = (msg: string) => new InvalidArgumentError(msg, 'INVALID_LOG_CONFIG');

const UNITS: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4, p: 5 };

/** go-units FromHumanSize: decimal units ("10k" = 10000), what json-file's max-size takes. */
export function fromHumanSize(s: string): number {
  return humanSize(s, 1000);
}

/** go-units RAMInBytes: binary units ("10k" = 10240), what local's max-size takes. */
export function ramInBytes(s: string): number {
  return humanSize(s, 1024);
}

function humanSize(s: string, base: number): number {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s);
  if (!m) throw bad(`invalid size: '${s}'`);
  return Math.floor(Number(m[1]) * base ** UNITS[(m[2] ?? '').toLowerCase()]!);
}

export function parseBool(s: string, key: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(s)) return false;
  throw bad(`error parsing ${key}: strconv.ParseBool: parsing "${s}": invalid syntax`);
}

export interface NetAddress {
  proto: 'udp' | 'tcp' | 'unix';
  host: string;
  port: number;
  path: string;
}

function parseNetAddress(addr: string, driver: string, protos: string[], emptyMsg: string, defaultPort?: number): NetAddress {
  if (!addr) throw bad(emptyMsg);
  const m = /^([a-z+]+):\/\/(.*)$/.exec(addr);
  if (!m) throw bad(`${driver}: endpoint needs to be ${protos.map((p) => p.toUpperCase()).join(' or ')}`);
  const proto = m[1]!;
  if (!protos.includes(proto)) throw bad(`${driver}: endpoint needs to be ${protos.map((p) => p.toUpperCase()).join(' or ')}`);
  if (proto === 'unix') return { proto, host: '', port: 0, path: m[2]! };
  const hp = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(m[2]!);
  const port = hp?.[2] ? Number(hp[2]) : defaultPort;
  if (!hp || !hp[1] || port === undefined || port <= 0 || port > 65535) throw bad(`${driver}: please provide ${driver}-address as proto://host:port`);
  return { proto: proto as 'udp' | 'tcp', host: hp[1], port, path: '' };
}

export function parseGelfAddress(addr: string): NetAddress {
  return parseNetAddress(addr, 'gelf', ['udp', 'tcp'], 'gelf-address is a required parameter');
}

/**
 * syslog-address: udp://host:port (514), tcp://host:port, unix:///path. Docker's default (empty) is the
 * local /dev/log datagram socket, which Node cannot send to: Berth's default is udp://127.0.0.1:514, and
 * unixgram:// and tcp+tls:// are refused at create rather than failing quietly later.
 */
export function parseSyslogAddress(addr: string): NetAddress {
  if (!addr) return { proto: 'udp', host: '127.0.0.1', port: 514, path: '' };
  const m = /^([a-z+]+):\/\//.exec(addr);
  if (!m || !['udp', 'tcp', 'unix', 'unixgram', 'tcp+tls'].includes(m[1]!)) throw bad(`unsupported scheme: '${m?.[1] ?? addr}'`);
  if (m[1] === 'tcp+tls' || m[1] === 'unixgram') throw bad(`unsupported scheme: '${m[1]}' (Berth's syslog driver speaks udp, tcp and unix)`);
  return parseNetAddress(addr, 'syslog', ['udp', 'tcp', 'unix'], '', 514);
}

/** fluentd-address: host, host:port, tcp://host:port, unix:///path; default localhost:24224. */
export function parseFluentdAddress(addr: string | undefined): NetAddress {
  if (!addr) return { proto: 'tcp', host: '127.0.0.1', port: 24224, path: '' };
  if (!addr.includes('://')) addr = `tcp://${addr}`;
  const m = /^([a-z]+):\/\//.exec(addr);
  if (!m || !['tcp', 'unix'].includes(m[1]!)) throw bad(`${m?.[1] ?? addr}: invalid protocol`);
  return parseNetAddress(addr, 'fluentd', ['tcp', 'unix'], '', 24224);
}

const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', '', '', '', '', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];

/** A facility name or number → its code (default "daemon" = 3). */
export function syslogFacility(s: string | undefined): number | undefined {
  if (!s) return 3;
  if (/^\d+$/.test(s)) return Number(s) <= 23 ? Number(s) : undefined;
  const i = FACILITIES.indexOf(s);
  return i >= 0 && s !== '' ? i : undefined;
}

const TAG_FIELDS = ['ID', 'FullID', 'Name', 'ImageID', 'ImageFullID', 'ImageName', 'DaemonName'];

function checkTagTemplate(t: string): void {
  for (const m of t.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    const f = /^\.(\w+)$/.exec(m[1]!);
    if (!f || !TAG_FIELDS.includes(f[1]!)) throw bad(`template: log-tag: can't evaluate ${m[1]}`);
  }
}

export interface TagContext {
  id: string;
  name: string;
  imageId: string;
  imageName: string;
}

/** Expands Docker's log tag template; Docker's default is the 12-char container id. */
export function expandTag(template: string | undefined, c: TagContext): string {
  const t = template || '{{.ID}}';
  const short = (s: string) => s.replace(/^sha256:/, '').slice(0, 12);
  const fields: Record<string, string> = {
    ID: short(c.id),
    FullID: c.id,
    Name: c.name.replace(/^\//, ''),
    ImageID: short(c.imageId),
    ImageFullID: c.imageId,
    ImageName: c.imageName,
    DaemonName: 'berth',
  };
  return t.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, f: string) => fields[f] ?? '');
}

/** The `labels`/`env` options: which container labels and env vars every record carries (Docker's "attrs"). */
export function extraAttributes(cfg: LogConfig, labels: Record<string, string>, env: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const c = cfg.config;
  const envMap = new Map(env.map((e) => [e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('=')), e.includes('=') ? e.slice(e.indexOf('=') + 1) : '']));
  for (const k of (c['labels'] ?? '').split(',').filter(Boolean)) if (k in labels) out[k] = labels[k]!;
  if (c['labels-regex']) {
    const re = new RegExp(c['labels-regex']);
    for (const [k, v] of Object.entries(labels)) if (re.test(k)) out[k] = v;
  }
  for (const k of (c['env'] ?? '').split(',').filter(Boolean)) if (envMap.has(k)) out[k] = envMap.get(k)!;
  if (c['env-regex']) {
    const re = new RegExp(c['env-regex']);
    for (const [k, v] of envMap) if (re.test(k)) out[k] = v;
  }
  return out;
}
