/** Exec routes (swagger tag "Exec"): create, start (hijacked), inspect, resize. */
import { resizeDimensions } from '../translate/resize';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../../../base/errors';
import type { Engine } from '../../../engine/types';
import type { ExecConfig, ExecStartConfig } from '../../../protocol/docker/container';
import type { Handler } from '../../http/context';
import type { Router } from '../../http/router';
import { hijack } from '../../http/hijack';
import { encodeStdcopyFrame, STDOUT } from '../../http/stdcopy';
import { sendEmpty, sendJson } from '../../http/respond';
import { pipeAttach } from '../attach-pipe';
import { toExecInspect, translateExecCreate } from '../translate/exec';

export function registerExecRoutes(router: Router<Handler>, engine: Engine): void {
  const c = engine.containers;

  router.add('POST', '/containers/:id/exec', async (ctx) => {
    const spec = translateExecCreate(await ctx.json<ExecConfig>({ requireJsonType: true }));
    const id = await c.execCreate(ctx.params.id!, spec);
    sendJson(ctx.res, 201, { Id: id });
  });

  router.add('POST', '/exec/:id/start', async (ctx) => {
    // unknown keys (dockerode's hijack/stdin) are ignored
    const body = (await ctx.json<ExecStartConfig>({ requireJsonType: true })) ?? {};
    const info = await c.execInspect(ctx.params.id!);
    const detach = body.Detach === true;
    if (detach) {
      await c.execStart(ctx.params.id!, { detach, tty: body.Tty ?? info.spec.tty });
      sendEmpty(ctx.res, 200);
      return;
    }
    // As dockerd: the connection is taken over before the process starts. Output that is ready
    // before the 101 would share its packet, and docker-py's buffered reader swallows such bytes.
    const tty = body.Tty ?? info.spec.tty;
    let client: Duplex | undefined;
    let inner: Duplex | undefined;
    try {
      inner = await c.execStart(ctx.params.id!, {
        detach,
        tty,
        startable: async () => {
          client = await hijack(ctx, { standardHeaders: true, multiplexed: !tty });
        },
      });
    } catch (e) {
      if (!client) throw e; // refused before the takeover: an ordinary error response
      // dockerd writes a late failure into the stream, as a stdout frame when the stream is multiplexed
      const text = Buffer.from(`${errorMessage(e)}\r\n`);
      client.end(tty ? text : encodeStdcopyFrame(STDOUT, text));
      return;
    }
    if (!client || !inner) return;
    await pipeAttach(client, inner, { stdin: info.spec.attachStdin, frameAsStdout: info.spec.tty && body.Tty === false });
  });

  router.add('GET', '/exec/:id/json', async (ctx) => {
    sendJson(ctx.res, 200, toExecInspect(await c.execInspect(ctx.params.id!)));
  });

  router.add('POST', '/exec/:id/resize', async (ctx) => {
    await ctx.body();
    const { height, width } = resizeDimensions(ctx.query.string('h'), ctx.query.string('w'));
    await c.execResize(ctx.params.id!, height, width);
    sendEmpty(ctx.res, 200);
  });
}
