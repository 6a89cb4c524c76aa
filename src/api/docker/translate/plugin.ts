/**
 * Managed plugins (swagger tag "Plugin"): Berth installs none, so the list is always empty; what remains is
 * dockerd's answer to a bad filter and to a name that is not installed.
 */
import { InvalidArgumentError, NotFoundError } from '../../../base/errors';

const LIST_FILTERS = ['enabled', 'capability'];

/** Checks `GET /plugins` filters as dockerd's plugin manager does (keys, then `enabled` as a boolean). */
export function validatePluginListFilters(filters: Record<string, string[]>): void {
  for (const k of Object.keys(filters)) if (!LIST_FILTERS.includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`, 'INVALID_FILTER');
  for (const v of filters['enabled'] ?? []) {
    if (!['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) {
      throw new InvalidArgumentError(`invalid filter 'enabled=${v}'`, 'INVALID_FILTER');
    }
  }
}

export function pluginNotFound(name: string): NotFoundError {
  return new NotFoundError('plugin', name, `plugin "${name}" not found`);
}
