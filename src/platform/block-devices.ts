/** Block device names by major:minor, from sysfs (what cAdvisor labels its fs metrics with). */
import { promises as fs } from 'node:fs';

const names = new Map<string, string>();

/** "/dev/sda" for 8:0; "" when sysfs does not know the device (it went away). Cached: numbers are stable while a device exists. */
export async function blockDeviceName(major: number, minor: number): Promise<string> {
  const key = `${major}:${minor}`;
  const known = names.get(key);
  if (known !== undefined) return known;
  const uevent = await fs.readFile(`/sys/dev/block/${key}/uevent`, 'utf8').catch(() => '');
  const dev = /^DEVNAME=(.+)$/m.exec(uevent)?.[1];
  const name = dev ? `/dev/${dev}` : '';
  if (name) names.set(key, name);
  return name;
}
