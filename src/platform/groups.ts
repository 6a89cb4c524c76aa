/** Group lookups for the daemon socket's owner (Node has no getgrnam; /etc/group is the source glibc reads first). */
import fs from 'node:fs/promises';

/** The gid of a group given by name or number, or undefined when no such group exists. */
export async function lookupGroupId(nameOrId: string, groupFile = '/etc/group'): Promise<number | undefined> {
  if (/^\d+$/.test(nameOrId)) return Number(nameOrId);
  const text = await fs.readFile(groupFile, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === nameOrId && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}
