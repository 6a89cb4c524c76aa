/**
 * Kubernetes' own schemas as validators: the `kubernetes-models` package (v5.1) ships validators compiled from
 * the Kubernetes OpenAPI spec for every built-in kind, checking types, formats, enums and required fields.
 * It does not refuse unknown fields (the OpenAPI spec allows them), so a misspelt field goes unseen here.
 * The package is ESM-only, hence the dynamic import.
 */
interface Model {
  validate(): void;
}
type ModelClass = new (data: object) => Model;

const modules = new Map<string, Promise<Record<string, unknown>>>();

/** The schema errors of one object ([] when it validates); a kind without a model is an error too. */
export async function kubeSchemaErrors(o: object): Promise<string[]> {
  const { apiVersion, kind } = o as { apiVersion?: unknown; kind?: unknown };
  const key = `${String(apiVersion)}/${String(kind)}`;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !/^[a-z0-9.]*\/?v\d\w*$/.test(apiVersion)) return [`no schema for ${key}`];
  let mod = modules.get(apiVersion);
  if (!mod) {
    mod = import(`kubernetes-models/${apiVersion}`) as Promise<Record<string, unknown>>;
    modules.set(apiVersion, mod);
  }
  const Cls = (await mod.catch(() => ({}) as Record<string, unknown>))[kind] as ModelClass | undefined;
  if (typeof Cls !== 'function') return [`no schema for ${key}`];
  try {
    new Cls(o).validate();
    return [];
  } catch (e) {
    return [`${key}: ${(e as Error).message}`];
  }
}
