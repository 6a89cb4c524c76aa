/** Ports for tests: one the kernel hands out now, or one below the ephemeral range for publishing. */
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import * as net from 'node:net';

/** A port that was free on 127.0.0.1 a moment ago (for a server the test starts itself). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A free port below 32768 for `-p HOST:CONTAINER`: ports from the ephemeral range may be handed to
 * an outgoing connection (or a daemon's random publish) meanwhile; these are checked with `ss`.
 */
export function freeLowPort(): number {
  for (;;) {
    const p = randomInt(20000, 32000);
    if (spawnSync('ss', ['-Htanl', `sport = :${p}`], { encoding: 'utf8' }).stdout.trim() === '') return p;
  }
}
