/** Docker's local-driver name rule and random names for anonymous volumes. Pure. */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../base/errors';

/** Docker's RestrictedNamePattern: at least two characters. */
export const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function isValidVolumeName(name: string): boolean {
  return VOLUME_NAME_RE.test(name);
}

/** dockerd's message, wrapped in its "create NAME:" operation prefix. */
export function assertVolumeName(name: string): void {
  if (name.length === 1) {
    throw new InvalidArgumentError(`create ${name}: volume name is too short, names should be at least two alphanumeric characters`, 'INVALID_VOLUME_NAME');
  }
  if (!isValidVolumeName(name)) {
    throw new InvalidArgumentError(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      'INVALID_VOLUME_NAME',
    );
  }
}

/** Anonymous volumes get a random 64-hex name, as in Docker. */
export function randomVolumeName(): string {
  return randomBytes(32).toString('hex');
}
