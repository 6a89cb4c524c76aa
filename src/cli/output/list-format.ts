/**
 * `--format` for list commands (ps, images, history…): the default table, `table <tmpl>`,
 * `json`, or a raw Go template, rendered over per-row view objects.
 */
import { alignColumns } from './tab-writer';
import { GoTemplate } from './go-template';

export interface ListFormatSpec {
  /** the default `table …` template of the command */
  defaultTable: string;
  /** field name → column header, e.g. ID → "CONTAINER ID" */
  headers: Record<string, string>;
}

/** Docker lets users write `\t` and `\n` literally on the command line. */
export function unescapeFormat(format: string): string {
  return format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/** Header row: the template evaluated over an object whose fields are the header names. */
function headerRow(tmpl: GoTemplate, headers: Record<string, string>): string {
  const proxy = new Proxy(
    {},
    {
      get: (_t, key) => {
        if (typeof key !== 'string') return undefined;
        const label = headers[key] ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
        // method-style fields (`.Label "x"`) get the key name as header too
        return Object.assign(() => label, { toString: () => label });
      },
    },
  );
  const out = tmpl.execute(proxy);
  return out;
}

/** Renders rows; returns the full text to print (with trailing newline when not empty). */
export function renderList<T extends object>(rows: T[], format: string | undefined, spec: ListFormatSpec): string {
  let fmt = format ? unescapeFormat(format) : spec.defaultTable;
  if (fmt === 'table') fmt = spec.defaultTable;
  if (fmt === 'json') fmt = '{{json .}}';
  const isTable = fmt.startsWith('table');
  const body = isTable ? fmt.slice('table'.length).replace(/^\s+/, '') : fmt;
  const tmpl = new GoTemplate(body);
  const lines: string[] = [];
  if (isTable) lines.push(headerRow(tmpl, spec.headers));
  for (const r of rows) lines.push(tmpl.execute(r));
  if (!lines.length) return '';
  const text = lines.join('\n') + '\n';
  return isTable ? alignColumns(text) : text;
}
