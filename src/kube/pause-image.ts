/**
 * The infra container's image: the host's static catatonit in pause mode (`-P`: it sleeps, reaps
 * and exits on SIGTERM), imported once as PAUSE_IMAGE, as Podman builds its pause image on the
 * machine. Nothing is pulled.
 */
import { promises as fs } from 'node:fs';
import * as tar from 'tar-stream';
import { FailedPreconditionError, NotFoundError } from '../base/errors';
import type { ImageService } from '../image/types';
import { PAUSE_IMAGE } from './labels';

const CATATONIT = ['/usr/bin/catatonit', '/usr/libexec/catatonit/catatonit', '/usr/libexec/podman/catatonit'];

let building: Promise<void> | undefined;

export function ensurePauseImage(images: ImageService): Promise<void> {
  building ??= (async () => {
    try {
      await images.resolve(PAUSE_IMAGE);
      return;
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    let bin: Buffer | undefined;
    for (const p of CATATONIT) {
      bin = await fs.readFile(p).catch(() => undefined);
      if (bin) break;
    }
    if (!bin) throw new FailedPreconditionError(`kube play needs catatonit for pods' infra containers (looked in ${CATATONIT.join(', ')}): install the catatonit package`);
    const pack = tar.pack();
    for (const d of ['dev', 'proc', 'sys', 'etc']) pack.entry({ name: d, type: 'directory', mode: 0o755 });
    pack.entry({ name: 'catatonit', mode: 0o755 }, bin);
    pack.finalize();
    const [repo, tag] = PAUSE_IMAGE.split(/:(?=[^/]+$)/);
    await images.importRootfs(pack, { repo, tag, changes: ['ENTRYPOINT ["/catatonit", "-P"]'], message: 'berth kube infra (catatonit -P)' });
  })().finally(() => {
    building = undefined;
  });
  return building;
}
