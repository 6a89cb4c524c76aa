/** `docker import --change` / `commit --change`: Dockerfile instructions applied to an image config (pure). */
import { InvalidArgumentError } from '../base/errors';
import type { ImageConfigConfig } from '../protocol/oci/image';
import { processWord } from '../builder/dockerfile/shell-lex';

function argv(rest: string): string[] {
  const t = rest.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    } catch {
      // not JSON: shell form
    }
  }
  return ['/bin/sh', '-c', t];
}

/** `expand`: variables in unquoted and double-quoted values are expanded from it, as the Dockerfile ENV does. */
function keyValues(rest: string, expand?: Map<string, string>): Array<[string, string]> {
  const t = rest.trim();
  if (!t.includes('=')) {
    const i = t.search(/\s/);
    if (i < 0) throw new InvalidArgumentError(`ENV names can not be blank`);
    const v = t.slice(i).trim();
    return [[t.slice(0, i), expand ? processWord(v, expand) : v]];
  }
  const out: Array<[string, string]> = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const m of t.matchAll(re)) {
    let v = m[2]!;
    if (expand) v = processWord(v, expand);
    else if (v.startsWith('"')) v = JSON.parse(v) as string;
    else if (v.startsWith("'")) v = v.slice(1, -1);
    out.push([m[1]!, v]);
  }
  return out;
}

function volumeList(rest: string): string[] {
  const t = rest.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    } catch {
      // not JSON: Docker then reads the words as paths
    }
  }
  return t.split(/\s+/).filter(Boolean);
}

export function applyChanges(cfg: ImageConfigConfig, changes: string[]): ImageConfigConfig {
  const c: ImageConfigConfig = { ...cfg };
  for (const line of changes) {
    const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(line);
    if (!m) throw new InvalidArgumentError(`dockerfile parse error line 1: unknown instruction: ${line}`);
    const instr = m[1]!.toUpperCase();
    const rest = m[2]!;
    switch (instr) {
      case 'CMD':
        c.Cmd = argv(rest);
        break;
      case 'ENTRYPOINT':
        c.Entrypoint = argv(rest);
        break;
      case 'ENV': {
        const env = [...(c.Env ?? [])];
        // "ENV PATH=/usr/bin:$PATH" reads the config's own env, as dockerd's commit/import changes do
        const vars = new Map(env.map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)] as [string, string]));
        for (const [k, v] of keyValues(rest, vars)) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      }
      case 'LABEL':
        c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(keyValues(rest)) };
        break;
      case 'EXPOSE':
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const p of rest.trim().split(/\s+/)) c.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {};
        break;
      case 'USER':
        c.User = rest.trim();
        break;
      case 'WORKDIR':
        c.WorkingDir = rest.trim();
        break;
      case 'VOLUME':
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const v of volumeList(rest)) c.Volumes[v] = {};
        break;
      case 'STOPSIGNAL':
        c.StopSignal = rest.trim();
        break;
      default:
        throw new InvalidArgumentError(`${instr.toLowerCase()} is not a valid change command`); // dockerd's parser lowercases it
    }
  }
  return c;
}
