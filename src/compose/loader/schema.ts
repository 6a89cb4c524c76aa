/**
 * Validation against the compose-spec JSON schema (draft-07, vendored verbatim
 * from compose-spec/compose-spec, Apache-2.0), with ajv's errors turned into
 * compose's sentences: `services.web.ports must be a list`,
 * `services.web additional property foo is not allowed`.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import spec from './compose-spec.json';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    // ajv knows draft-07 as http://...#; the spec's https://... spelling would be an unknown meta-schema.
    const { $schema: _meta, ...schema } = spec;
    compiled = new Ajv({ strict: false, allErrors: false }).compile(schema);
  }
  return compiled;
}

function humanType(t: string): string {
  return t === 'object' ? 'mapping' : t === 'array' ? 'list' : t;
}

function joinTypes(types: string[]): string {
  const uniq = [...new Set(types.map(humanType))];
  return uniq.length === 1 ? uniq[0] : `${uniq.slice(0, -1).join(', ')} or ${uniq[uniq.length - 1]}`;
}

/** "/services/web/ports/0" -> "services.web.ports[0]" (indexes only where the value is a list). */
function dotted(instancePath: string, doc: unknown): string {
  let out = '';
  let cur: unknown = doc;
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(cur)) {
      out += `[${seg}]`;
      cur = cur[Number(seg)];
    } else {
      out += out ? `.${seg}` : seg;
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function describe(errors: ErrorObject[], doc: unknown): string {
  // The error at the deepest place is the most specific; oneOf branches failing on
  // type at the same place combine into "must be a string or list".
  const depth = (e: ErrorObject): number => (e.instancePath.match(/\//g) ?? []).length;
  const real = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  const pool = real.length ? real : errors;
  const deepest = Math.max(...pool.map(depth));
  const here = pool.filter((e) => depth(e) === deepest);
  const at = dotted(here[0].instancePath, doc);
  const where = at || '(root)';
  const extra = here.find((e) => e.keyword === 'additionalProperties');
  if (extra) return `${where} additional property ${String(extra.params.additionalProperty)} is not allowed`;
  const types = here.filter((e) => e.keyword === 'type');
  if (types.length === here.length) {
    const all = types.flatMap((e) => String(e.params.type).split(','));
    return `${where} must be a ${joinTypes(all)}`;
  }
  const e = here.find((x) => x.keyword !== 'type') ?? here[0];
  switch (e.keyword) {
    case 'required':
      return `${where} missing required property ${String(e.params.missingProperty)}`;
    case 'enum':
      return `${where} must be one of the following: ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'uniqueItems':
      return `${where} must contain unique items (${String(e.params.j)} and ${String(e.params.i)} are duplicates)`;
    case 'pattern':
      return `${where} does not match ${String(e.params.pattern)}`;
    case 'propertyNames':
    case 'patternProperties':
      return `${where} has an invalid property name`;
    default:
      return `${where} ${e.message ?? 'is invalid'}`;
  }
}

/** Returns compose's message for the first schema violation, or undefined when the document is valid. */
export function schemaError(doc: unknown): string | undefined {
  const validate = validator();
  if (validate(doc)) return undefined;
  return describe(validate.errors ?? [], doc);
}
