/** syslog messages as Docker's syslog driver writes them (RFC 5424, RFC 5424 with microseconds, RFC 3164). */
import * as os from 'node:os';
import type { LogRecord } from '../formats';

export interface SyslogFormat {
  format: 'rfc5424' | 'rfc5424micro' | 'rfc3164' | '';
  facility: number;
  tag: string;
  /** stream transports frame messages (RFC 5425 octet counting for 5424, a newline for 3164) */
  stream: boolean;
}

const INFO = 6;
const ERR = 3;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function syslogMessage(r: LogRecord, f: SyslogFormat): Buffer {
  const pri = f.facility * 8 + (r.stream === 'stderr' ? ERR : INFO);
  const d = new Date(r.time);
  const host = os.hostname();
  const msg = r.content;
  let text: string;
  if (f.format === 'rfc5424' || f.format === 'rfc5424micro') {
    const micros = f.format === 'rfc5424micro' ? '.' + (r.time.split('.')[1] ?? '0').replace(/Z$/, '').padEnd(6, '0').slice(0, 6) : '';
    const ts = d.toISOString().slice(0, 19) + micros + 'Z';
    text = `<${pri}>1 ${ts} ${host} ${f.tag} ${process.pid} ${f.tag} - ${msg}`;
  } else {
    const ts = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${d.toTimeString().slice(0, 8)}`;
    text = `<${pri}>${ts} ${f.tag}[${process.pid}]: ${msg}`;
  }
  if (!f.stream) return Buffer.from(text);
  const b = Buffer.from(text);
  return f.format.startsWith('rfc5424') ? Buffer.concat([Buffer.from(`${b.length} `), b]) : Buffer.concat([b, Buffer.from('\n')]);
}
