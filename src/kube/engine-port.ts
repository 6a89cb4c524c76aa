/** What the kube module needs of the engine (engine/create-engine.ts hands it the services). */
import type { EventBus } from '../base/events';
import type { Logger } from '../base/logger';
import type { ContainerService } from '../container/types';
import type { ImageService } from '../image/types';
import type { NetworkService } from '../network/types';
import type { VolumeService } from '../volume/types';

export interface KubeEngine {
  containers: ContainerService;
  images: ImageService;
  networks: NetworkService;
  volumes: VolumeService;
  events: EventBus;
  logger: Logger;
}
