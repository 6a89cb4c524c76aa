/**
 * Fields Kubernetes does not know, by its own schemas. The kubernetes-models validators are compiled
 * from the Kubernetes OpenAPI spec and are not strict (the spec allows unknown fields, and the
 * apiserver's strict field validation is a separate pass), but a compiled validator reads exactly
 * the properties its schema declares, and enumerates the keys of a map (labels, data). So the object
 * is validated through a proxy that records what the validator read: a key of an object that was
 * neither read nor enumerated is a field the schema does not have, named by its path as kubectl's
 * strict validation names it (`spec.template.spec.containers[0].imagePullPolcy`).
 */

/** A compiled validator, as kubernetes-models' model classes hold it (`Model.prototype.validate`). */
type ModelClass = { prototype: { validate(this: unknown): void } };

const modules = new Map<string, Promise<Record<string, unknown> | undefined>>();

/** The model class of apiVersion/kind from kubernetes-models, or undefined when it has none. */
export async function kubeModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  if (!/^([a-z0-9.-]+\/)?v\d\w*$/.test(apiVersion) || !/^[A-Za-z]\w*$/.test(kind)) return undefined;
  let mod = modules.get(apiVersion);
  if (!mod) {
    // ESM-only package: a dynamic import from CommonJS
    mod = (import(`kubernetes-models/${apiVersion}`) as Promise<Record<string, unknown>>).catch(() => undefined);
    modules.set(apiVersion, mod);
  }
  const cls = (await mod)?.[kind];
  return typeof cls === 'function' ? (cls as unknown as ModelClass) : undefined;
}

interface Seen {
  read: Set<string>;
  enumerated: boolean;
}

/** The paths of the fields of `o` that the model's schema does not declare (empty when it has none). */
export function unknownFields(model: ModelClass, o: object): string[] {
  const seen = new Map<object, Seen>();
  const wrap = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const s: Seen = { read: new Set(), enumerated: false };
    seen.set(v, s);
    const children = new Map<PropertyKey, unknown>();
    return new Proxy(v, {
      get(t, k, r) {
        if (typeof k === 'string') s.read.add(k);
        const child = Reflect.get(t, k, r) as unknown;
        if (typeof child !== 'object' || child === null || !Object.prototype.hasOwnProperty.call(t, k)) return child;
        if (!children.has(k)) children.set(k, wrap(child));
        return children.get(k);
      },
      has(t, k) {
        if (typeof k === 'string') s.read.add(k);
        return Reflect.has(t, k);
      },
      ownKeys(t) {
        s.enumerated = true;
        return Reflect.ownKeys(t);
      },
    });
  };
  try {
    model.prototype.validate.call(wrap(o));
  } catch {
    // schema errors are another check's business; only the fields it read matter here
  }
  const out: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v !== 'object' || v === null) return;
    const s = seen.get(v);
    if (!s) return; // never reached by the validator: inside a field already reported, or free-form
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`));
      return;
    }
    for (const [k, child] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      if (!s.enumerated && !s.read.has(k)) out.push(p);
      else walk(child, p);
    }
  };
  walk(o, '');
  return out;
}

/** The unknown-field check of the kinds given, with their schemas loaded (a kind without one checks nothing). */
export async function unknownFieldsOf<K extends string>(kinds: Array<{ apiVersion: string; kind: K }>): Promise<(kind: K, o: object) => string[]> {
  const models = new Map<string, ModelClass>();
  for (const k of kinds) {
    const m = await kubeModel(k.apiVersion, k.kind);
    if (m) models.set(k.kind, m);
  }
  return (kind, o) => {
    const m = models.get(kind);
    return m ? unknownFields(m, o) : [];
  };
}
