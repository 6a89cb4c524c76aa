/**
 * A subset of Go's text/template, enough for Docker's `--format`:
 * `{{.A.B}}`, method fields (`{{.Label "k"}}`), `{{json .}}`, `{{join .X ","}}`, `{{index .M "k"}}`,
 * `{{upper}}`/`{{lower}}`/`{{title}}`/`{{len}}`/`{{println}}`/`{{printf}}`, pipelines,
 * `{{if}}{{else}}{{end}}`, `{{range}}`, `{{with}}`, `{{- -}}` trimming.
 */

type Node =
  | { t: 'text'; v: string }
  | { t: 'pipe'; p: Pipeline }
  | { t: 'if' | 'with'; p: Pipeline; then: Node[]; else: Node[] }
  | { t: 'range'; p: Pipeline; body: Node[]; else: Node[] };

type Operand = { k: 'field'; path: string[]; base: 'dot' | 'root' } | { k: 'str'; v: string } | { k: 'num'; v: number } | { k: 'ident'; v: string };
type Command = Operand[];
type Pipeline = Command[];

export class TemplateError extends Error {}

function tokenizeArgs(src: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' && c === '"' ? 2 : 1;
      out.push(src.slice(i, j + 1));
      i = j + 1;
    } else if (c === '|') {
      out.push('|');
      i++;
    } else {
      let j = i;
      while (j < src.length && !' \t\n|'.includes(src[j]!)) j++;
      out.push(src.slice(i, j));
      i = j;
    }
  }
  return out;
}

function parseOperand(tok: string): Operand {
  if (tok.startsWith('"')) return { k: 'str', v: JSON.parse(tok) as string };
  if (tok.startsWith('`')) return { k: 'str', v: tok.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(tok)) return { k: 'num', v: Number(tok) };
  if (tok === '.') return { k: 'field', path: [], base: 'dot' };
  if (tok.startsWith('.')) return { k: 'field', path: tok.slice(1).split('.'), base: 'dot' };
  if (tok === '$') return { k: 'field', path: [], base: 'root' };
  if (tok.startsWith('$.')) return { k: 'field', path: tok.slice(2).split('.'), base: 'root' };
  return { k: 'ident', v: tok };
}

function parsePipeline(src: string): Pipeline {
  const toks = tokenizeArgs(src);
  const cmds: Pipeline = [[]];
  for (const t of toks) {
    if (t === '|') cmds.push([]);
    else cmds[cmds.length - 1]!.push(parseOperand(t));
  }
  if (cmds.some((c) => c.length === 0)) throw new TemplateError(`template: missing value in pipeline: ${src}`);
  return cmds;
}

export function parseTemplate(src: string): Node[] {
  const re = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
  const root: Node[] = [];
  const stack: Array<{ node: Node | null; list: Node[] }> = [{ node: null, list: root }];
  let last = 0;
  let trimNext = false;
  let m: RegExpExecArray | null;
  const cur = (): Node[] => stack[stack.length - 1]!.list;
  while ((m = re.exec(src))) {
    let text = src.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    if (text) cur().push({ t: 'text', v: text });
    last = re.lastIndex;
    trimNext = m[3] === '-';
    const body = m[2]!;
    const word = body.split(/\s+/, 1)[0]!;
    const rest = body.slice(word.length).trim();
    if (word === 'if' || word === 'with' || word === 'range') {
      const node: Node = word === 'range' ? { t: 'range', p: parsePipeline(rest), body: [], else: [] } : { t: word, p: parsePipeline(rest), then: [], else: [] };
      cur().push(node);
      stack.push({ node, list: node.t === 'range' ? node.body : node.then });
    } else if (word === 'else') {
      const top = stack[stack.length - 1]!;
      if (!top.node) throw new TemplateError('template: unexpected {{else}}');
      top.list = top.node.t === 'range' || top.node.t === 'if' || top.node.t === 'with' ? top.node.else : top.list;
      if (rest.startsWith('if ')) {
        const node: Node = { t: 'if', p: parsePipeline(rest.slice(3)), then: [], else: [] };
        top.list.push(node);
        top.list = node.then;
        // `else if` shares the outer {{end}}: retarget this frame to the nested node
        top.node = node;
      }
    } else if (word === 'end') {
      if (stack.length === 1) throw new TemplateError('template: unexpected {{end}}');
      stack.pop();
    } else if (body.startsWith('/*')) {
      // comment
    } else {
      cur().push({ t: 'pipe', p: parsePipeline(body) });
    }
  }
  if (stack.length !== 1) throw new TemplateError('template: unexpected EOF');
  let tail = src.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  if (tail) root.push({ t: 'text', v: tail });
  return root;
}

/** Go's default printing of a value (%v). */
export function goPrint(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goPrint(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function goPrintf(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%(-?\d*)([svdq%])/g, (_, width: string, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    let s = verb === 'q' ? JSON.stringify(String(a)) : goPrint(a);
    const w = Number(width || 0);
    if (w > 0) s = s.padStart(w);
    else if (w < 0) s = s.padEnd(-w);
    return s;
  });
}

const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  json: (v) => JSON.stringify(v === undefined ? null : v),
  join: (v, sep) => (Array.isArray(v) ? v.map((x) => goPrint(x)).join(String(sep)) : goPrint(v)),
  index: (v, ...keys) => keys.reduce<unknown>((acc, k) => (acc == null ? undefined : (acc as Record<string, unknown>)[String(k)]), v),
  upper: (v) => String(v).toUpperCase(),
  lower: (v) => String(v).toLowerCase(),
  title: (v) => String(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  split: (v, sep) => String(v).split(String(sep)),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  println: (...a) => a.map(goPrint).join(' ') + '\n',
  print: (...a) => a.map(goPrint).join(''),
  printf: (f, ...a) => goPrintf(String(f), a),
  truncate: (v, n) => String(v).slice(0, Number(n)),
  pad: (v, l, r) => ' '.repeat(Number(l)) + String(v) + ' '.repeat(Number(r)),
  eq: (a, ...b) => b.some((x) => x === a),
  ne: (a, b) => a !== b,
  not: (a) => !truthy(a),
  and: (...a) => a.reduce((acc, x) => (truthy(acc) ? x : acc)),
  or: (...a) => a.find(truthy) ?? a[a.length - 1],
};

function resolvePath(base: unknown, path: string[], args: unknown[]): unknown {
  let v = base;
  for (let i = 0; i < path.length; i++) {
    if (v === null || v === undefined) throw new TemplateError(`template: nil pointer evaluating .${path.slice(0, i + 1).join('.')}`);
    const obj = v as Record<string, unknown>;
    const next = obj[path[i]!];
    v = typeof next === 'function' ? (next as (...a: unknown[]) => unknown).call(obj, ...(i === path.length - 1 ? args : [])) : next;
  }
  return v;
}

function evalOperand(op: Operand, dot: unknown, root: unknown): unknown {
  switch (op.k) {
    case 'str':
    case 'num':
      return op.v;
    case 'field':
      return resolvePath(op.base === 'root' ? root : dot, op.path, []);
    case 'ident':
      if (op.v === 'true') return true;
      if (op.v === 'false') return false;
      if (op.v === 'nil') return null;
      throw new TemplateError(`template: function "${op.v}" not defined`);
  }
}

function evalPipeline(p: Pipeline, dot: unknown, root: unknown): unknown {
  let prev: unknown;
  let hasPrev = false;
  for (const cmd of p) {
    const [head, ...rest] = cmd;
    let args = rest.map((o) => evalOperand(o, dot, root));
    if (hasPrev) args = [...args, prev];
    if (head!.k === 'ident' && FUNCS[head!.v]) {
      prev = FUNCS[head!.v]!(...args);
    } else if (head!.k === 'field' && args.length) {
      prev = resolvePath(head!.base === 'root' ? root : dot, head!.path, args);
    } else {
      prev = evalOperand(head!, dot, root);
    }
    hasPrev = true;
  }
  return prev;
}

function render(nodes: Node[], dot: unknown, root: unknown, out: string[]): void {
  for (const n of nodes) {
    if (n.t === 'text') out.push(n.v);
    else if (n.t === 'pipe') {
      const v = evalPipeline(n.p, dot, root);
      out.push(typeof v === 'string' ? v : goPrint(v));
    } else if (n.t === 'if') {
      render(truthy(evalPipeline(n.p, dot, root)) ? n.then : n.else, dot, root, out);
    } else if (n.t === 'with') {
      const v = evalPipeline(n.p, dot, root);
      if (truthy(v)) render(n.then, v, root, out);
      else render(n.else, dot, root, out);
    } else if (n.t === 'range') {
      const v = evalPipeline(n.p, dot, root);
      const items = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => (v as Record<string, unknown>)[k]) : [];
      if (!items.length) render(n.else, dot, root, out);
      for (const item of items) render(n.body, item, root, out);
    }
  }
}

/** A parsed template, executable on many values. */
export class GoTemplate {
  private readonly nodes: Node[];
  constructor(readonly source: string) {
    this.nodes = parseTemplate(source);
  }
  execute(data: unknown): string {
    const out: string[] = [];
    render(this.nodes, data, data, out);
    return out.join('');
  }
}
