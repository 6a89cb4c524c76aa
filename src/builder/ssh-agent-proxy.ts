/**
 * `RUN --mount=type=ssh`: a socket of the step's own that relays each connection to the client's
 * SSH agent. A relay, not a bind of the agent's socket itself, so the socket in the container has
 * the owner and mode the mount asks for (uid/gid/mode) and the host path of the agent never shows;
 * the agent protocol passes through untouched (keys never leave the agent).
 */
import { promises as fs } from 'node:fs';
import * as net from 'node:net';

export interface AgentProxy {
  /** the relay's socket, to bind into the step */
  path: string;
  close(): Promise<void>;
}

export async function openAgentProxy(agentSocket: string, at: string, owner: { uid: number; gid: number; mode: number }): Promise<AgentProxy> {
  const open = new Set<net.Socket>();
  const server = net.createServer((inner) => {
    const outer = net.connect(agentSocket);
    open.add(inner).add(outer);
    const drop = () => {
      inner.destroy();
      outer.destroy();
      open.delete(inner);
      open.delete(outer);
    };
    inner.on('error', drop).on('close', drop);
    outer.on('error', drop).on('close', drop);
    inner.pipe(outer);
    outer.pipe(inner);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const close = async (): Promise<void> => {
    for (const s of open) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fs.rm(at, { force: true });
  };
  try {
    await fs.chown(at, owner.uid, owner.gid);
    await fs.chmod(at, owner.mode);
  } catch (e) {
    await close();
    throw e;
  }
  return { path: at, close };
}
