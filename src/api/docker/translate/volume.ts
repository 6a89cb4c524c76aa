/** Volume wire ⇄ core translation (POST /volumes/create body, Volume responses). Pure. */
import { InvalidArgumentError } from '../../../base/errors';
import type { VolumeCreateOptions, VolumeInfo, VolumeUsage } from '../../../volume/types';
import type { Volume, VolumeCreateRequest } from '../../../protocol/docker/volume';

const orNull = (m: Record<string, string>): Record<string, string> | null => (Object.keys(m).length ? m : null);

/** A JSON object of strings (labels, options, annotations), or undefined when absent. */
export function stringMap(v: unknown, field: string): Record<string, string> | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError(`invalid ${field}: expected an object of strings`, 'INVALID_ARGUMENT');
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = String(x);
  return out;
}

export function translateVolumeCreate(body: VolumeCreateRequest | undefined): VolumeCreateOptions {
  const b = body ?? {};
  if (b.Name !== undefined && typeof b.Name !== 'string') throw new InvalidArgumentError('invalid Name: expected a string', 'INVALID_ARGUMENT');
  const opts: VolumeCreateOptions = {};
  if (b.Name) opts.name = b.Name;
  if (b.Driver) opts.driver = b.Driver;
  const labels = stringMap(b.Labels, 'Labels');
  if (labels) opts.labels = labels;
  const options = stringMap(b.DriverOpts, 'DriverOpts');
  if (options) opts.options = options;
  return opts;
}

export function toVolumeWire(v: VolumeInfo): Volume {
  return {
    CreatedAt: v.createdAt,
    Driver: v.driver,
    Labels: orNull(v.labels),
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: orNull(v.options),
    Scope: v.scope,
  };
}

export function toVolumeUsageWire(v: VolumeUsage): Volume {
  return { ...toVolumeWire(v), UsageData: { Size: v.size, RefCount: v.refCount } };
}
