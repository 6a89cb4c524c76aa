/**
 * Berth's own routes (not Docker's): Kubernetes YAML in, what engine.kube made or found out.
 * Under /berth/ because no Docker client sends them and their answers are Berth's shape.
 */
import type { Engine } from '../../../engine/types';
import type { Handler } from '../../http/context';
import type { Router } from '../../http/router';
import { sendJson } from '../../http/respond';

export function registerKubeRoutes(router: Router<Handler>, engine: Engine): void {
  // body: the YAML stream; ?replace=1 first removes what an earlier play of it made
  router.add('POST', '/berth/kube/play', async (ctx) => {
    const r = await engine.kube.play((await ctx.body()).toString('utf8'), { replace: ctx.query.bool('replace') });
    sendJson(ctx.res, 201, {
      Namespace: r.namespace,
      Network: r.network,
      Pods: r.pods.map((p) => ({ Name: p.name, InfraId: p.infraId, ContainerIds: p.containerIds, InitContainerIds: p.initContainerIds })),
      Volumes: r.volumes,
      Warnings: r.warnings,
    });
  });

  router.add('POST', '/berth/kube/down', async (ctx) => {
    const r = await engine.kube.down((await ctx.body()).toString('utf8'));
    sendJson(ctx.res, 200, { Pods: r.pods, Containers: r.containers, Volumes: r.volumes, Network: r.network ?? null });
  });

  // ?names=a&names=b (containers or pods), &service=1
  router.add('GET', '/berth/kube/generate', async (ctx) => {
    const r = await engine.kube.generate(ctx.query.all('names'), { service: ctx.query.bool('service') });
    sendJson(ctx.res, 200, { Objects: r.objects, Warnings: r.warnings });
  });
}
