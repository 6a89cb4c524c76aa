/**
 * Kubernetes' own schemas as validators: the `kubernetes-models` package (v5.1) ships validators compiled from
 * the Kubernetes OpenAPI spec for every built-in kind, checking types, formats, enums and required fields.
 * They do not refuse unknown fields (the OpenAPI spec allows them); `unknownFields` (src/kube/schema-fields.ts,
 * which `kube play` warns with) adds that check from the same schemas, as kubectl's strict validation does.
 */
import { kubeModel, unknownFields } from '../../src/kube/schema-fields';

/** The schema errors of one object ([] when it validates, strictly); a kind without a model is an error too. */
export async function kubeSchemaErrors(o: object): Promise<string[]> {
  const { apiVersion, kind } = o as { apiVersion?: unknown; kind?: unknown };
  const key = `${String(apiVersion)}/${String(kind)}`;
  const model = typeof apiVersion === 'string' && typeof kind === 'string' ? await kubeModel(apiVersion, kind) : undefined;
  if (!model) return [`no schema for ${key}`];
  const errors: string[] = [];
  try {
    model.prototype.validate.call(o);
  } catch (e) {
    errors.push(`${key}: ${(e as Error).message}`);
  }
  for (const f of unknownFields(model, o)) errors.push(`${key}: unknown field "${f}"`);
  return errors;
}
