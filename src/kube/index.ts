/**
 * Kubernetes manifests on one host (`kube play`, `kube down`, `kube generate`), in the core because
 * every door offers them: the API (/berth/kube/*), the CLI through it, library users through
 * `engine.kube`. It drives the engine's own services, as compose's runner drives the API.
 */
import { kubeDown, ownersOf, type DownResult } from './down';
import type { KubeEngine } from './engine-port';
import { kubeGenerate, type GenerateResult } from './generate';
import { KINDS, parseManifests, type UnknownFields } from './manifest';
import { unknownFieldsOf } from './schema-fields';
import { planKube } from './plan';
import { kubePlay, redirectPorts, type PlayResult } from './play';
import { KUBE_LABEL } from './labels';
import { ServiceProxies } from './service-proxy';

export type { PlayResult, DownResult, GenerateResult };

export interface KubeService {
  /** Makes the pods, services, claims, ConfigMaps and Secrets of a multi-document YAML stream. */
  play(yaml: string, opts?: { replace?: boolean }): Promise<PlayResult>;
  /** Removes what a play of the same YAML made. */
  down(yaml: string): Promise<DownResult>;
  /** Containers or played pods as a Pod (and a Service) manifest. */
  generate(refs: string[], opts?: { service?: boolean }): Promise<GenerateResult>;
  /** Stops the Services' host port proxies (the pods keep running). */
  close(): void;
}

export function createKubeService(e: KubeEngine): KubeService {
  let unknownOf: Promise<UnknownFields> | undefined;
  const proxies = new ServiceProxies(e, e.logger);
  // pods that outlived a daemon keep being served; a restarted pod's new namespace gets its redirects again
  void proxies.sync().catch((err: unknown) => e.logger.warn({ err }, 'kube service ports not proxied'));
  const unsubscribe = e.events.subscribe((ev) => {
    if (ev.type !== 'container' || ev.action !== 'start' || !ev.attributes[KUBE_LABEL.redirects]) return;
    redirectPorts(e, ev.id).catch((err: unknown) => e.logger.warn({ err, container: ev.id }, 'kube service ports not redirected'));
  });
  return {
    async play(yaml, opts = {}) {
      const { objects, warnings } = parseManifests(yaml, await (unknownOf ??= unknownFieldsOf(KINDS)));
      const plan = planKube(objects, warnings);
      if (opts.replace) {
        const { namespace, owners } = ownersOf(objects);
        await kubeDown(e, namespace, owners);
        await proxies.sync();
      }
      return kubePlay(e, plan, proxies);
    },
    async down(yaml) {
      const { namespace, owners } = ownersOf(parseManifests(yaml).objects);
      const r = await kubeDown(e, namespace, owners);
      await proxies.sync();
      return r;
    },
    generate: (refs, opts = {}) => kubeGenerate(e, refs, { service: !!opts.service }),
    close() {
      unsubscribe();
      proxies.close();
    },
  };
}
