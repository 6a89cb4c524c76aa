/**
 * A container's driver as a LogSink for the pump, and where `docker logs` reads it back:
 * json-file → `<dir>/<id>-json.log`; local → `<dir>/local-logs/container.log`; a remote driver
 * (syslog, gelf, fluentd, journald) → its queue, plus the local cache `<dir>/container-cached.log`
 * that Docker's dual logging keeps (unless `cache-disabled`); none → nothing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../base/logger';
import type { ContainerRecord } from '../types';
import { expandTag, extraAttributes, parseFluentdAddress, parseGelfAddress, parseSyslogAddress, parseBool, rotationOf, syslogFacility, ramInBytes, type LogConfig } from './config';
import { jsonFileLine, localLine, parseJsonFileLine, parseLocalLine, type LineParser, type LogRecord } from './formats';
import type { LogSink } from './pump';
import { DEFAULT_QUEUE_BYTES, SendQueue } from './remote/queue';
import { openTransport } from './remote/transport';
import { syslogMessage, type SyslogFormat } from './remote/syslog';
import { gelfMessages } from './remote/gelf';
import { fluentdMessage } from './remote/fluentd';
import { RotatingFile, type FileMark } from './rotating-file';

export interface LogFiles {
  file: string;
  parse: LineParser;
}

/** The files `docker logs` reads for this container, or undefined when its driver keeps none. */
export function logFilesOf(rec: ContainerRecord, dir: string): LogFiles | undefined {
  const cfg = rec.logConfig;
  if (!cfg) return { file: rec.logPath, parse: parseLocalLine }; // made before drivers: conmon's own k8s-file
  if (cfg.type === 'json-file') return { file: rec.logPath, parse: parseJsonFileLine };
  if (cfg.type === 'local') return { file: path.join(dir, 'local-logs', 'container.log'), parse: parseLocalLine };
  if (cfg.type === 'none' || !rotationOf(cfg)) return undefined;
  return { file: path.join(dir, 'container-cached.log'), parse: parseLocalLine };
}

/** What inspect shows as LogPath (Docker: the json-file's path, empty for the other drivers). */
export function inspectLogPath(rec: ContainerRecord): string {
  return !rec.logConfig || rec.logConfig.type === 'json-file' ? rec.logPath : '';
}

export function createSink(rec: ContainerRecord, dir: string, imageName: string, logger: Logger): LogSink {
  const cfg = rec.logConfig!;
  const files = logFilesOf(rec, dir);
  const rot = rotationOf(cfg);
  let local: FileSink | undefined;
  if (files && rot) {
    mkdirSync(path.dirname(files.file), { recursive: true });
    const attrs = extraAttributes(cfg, rec.spec.labels, rec.env);
    const attrsJson = Object.keys(attrs).length ? JSON.stringify(attrs) : undefined;
    const fmt = cfg.type === 'json-file' ? (r: LogRecord) => jsonFileLine(r, attrsJson) : localLine;
    local = new FileSink(new RotatingFile(files.file, rot), fmt);
  }
  const remote = remoteSink(cfg, rec, imageName, logger);
  if (!remote) return local ?? { write: async () => undefined, close: async () => undefined };
  return {
    mark: () => local?.mark(),
    restore: (m) => local?.restore(m),
    async write(records) {
      remote.write(records);
      await local?.write(records);
    },
    async close() {
      await local?.close();
      await remote.close();
    },
  };
}

class FileSink implements LogSink {
  constructor(private readonly f: RotatingFile, private readonly fmt: (r: LogRecord) => string) {}
  mark(): FileMark {
    return this.f.mark();
  }
  restore(m: unknown): void {
    const fm = m as FileMark | undefined;
    if (fm && typeof fm.ino === 'number' && typeof fm.size === 'number') this.f.restore(fm);
  }
  async write(records: LogRecord[]): Promise<void> {
    await this.f.write(records.map(this.fmt));
  }
  async close(): Promise<void> {
    this.f.close();
  }
}

interface RemoteSink {
  write(records: LogRecord[]): void;
  close(): Promise<void>;
}

function remoteSink(cfg: LogConfig, rec: ContainerRecord, imageName: string, logger: Logger): RemoteSink | undefined {
  const c = cfg.config;
  const tag = expandTag(c['tag'], { id: rec.id, name: rec.name, imageId: rec.imageId, imageName });
  const extra = extraAttributes(cfg, rec.spec.labels, rec.env);
  const limit = c['max-buffer-size'] ? ramInBytes(c['max-buffer-size']) : DEFAULT_QUEUE_BYTES;
  const log = logger.child({ id: rec.id.slice(0, 12), driver: cfg.type });
  const queued = (addr: Parameters<typeof openTransport>[0], toMessages: (r: LogRecord) => Buffer[], limitBytes = limit): RemoteSink => {
    const q = new SendQueue(openTransport(addr), limitBytes, log);
    return {
      write: (records) => {
        for (const r of records) for (const m of toMessages(r)) q.push(m);
      },
      close: () => q.close(),
    };
  };
  switch (cfg.type) {
    case 'syslog': {
      const addr = parseSyslogAddress(c['syslog-address'] ?? '');
      const f: SyslogFormat = { format: (c['syslog-format'] ?? '') as SyslogFormat['format'], facility: syslogFacility(c['syslog-facility'])!, tag, stream: addr.proto !== 'udp' };
      return queued(addr, (r) => [syslogMessage(r, f)]);
    }
    case 'gelf': {
      const addr = parseGelfAddress(c['gelf-address']!);
      const ctx = {
        tag,
        containerId: rec.id,
        containerName: rec.name,
        imageId: rec.imageId,
        imageName,
        command: [rec.path, ...rec.args].join(' '),
        created: rec.created,
        extra,
        compression: (c['gelf-compression-type'] ?? 'gzip') as 'gzip' | 'zlib' | 'none',
        level: c['gelf-compression-level'] !== undefined ? Number(c['gelf-compression-level']) : -1,
        udp: addr.proto === 'udp',
      };
      return queued(addr, (r) => gelfMessages(r, ctx));
    }
    case 'fluentd': {
      const addr = parseFluentdAddress(c['fluentd-address']);
      const ctx = { tag, containerId: rec.id, containerName: `/${rec.name}`, extra, subSecond: c['fluentd-sub-second-precision'] !== undefined && parseBool(c['fluentd-sub-second-precision'], '') };
      // fluentd-buffer-limit counts records in Docker (default 1 MiB of them); here it bounds queued bytes
      const lim = c['fluentd-buffer-limit'] ? ramInBytes(c['fluentd-buffer-limit']) : limit;
      return queued(addr, (r) => [fluentdMessage(r, ctx)], lim);
    }
    case 'journald':
      return journaldSink(tag, log);
    default:
      return undefined;
  }
}

/**
 * journald through systemd-cat (Node has no datagram unix sockets for journald's native protocol):
 * one process per container session; a pipe that is full drops lines instead of waiting.
 */
function journaldSink(tag: string, logger: Logger): RemoteSink {
  const child = spawn('systemd-cat', ['-t', tag], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.on('error', (e) => logger.warn({ err: String(e) }, 'systemd-cat failed'));
  child.stdin.on('error', () => undefined);
  return {
    write(records) {
      if (child.stdin.writableLength > DEFAULT_QUEUE_BYTES) return;
      for (const r of records) child.stdin.write(r.content + '\n');
    },
    async close() {
      child.stdin.end();
    },
  };
}
