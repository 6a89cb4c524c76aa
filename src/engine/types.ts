/** The engine facade: the one object the daemon, the API and library users hold. */
import type { ContainerService } from '../container/types';
import type { ImageService } from '../image/types';
import type { EventBus } from '../base/events';

export interface SystemInfo {
  id: string;
  name: string; // hostname
  containers: number;
  containersRunning: number;
  containersPaused: number;
  containersStopped: number;
  images: number;
  dataRoot: string;
  execRoot: string;
  runtime: string;
  cgroupVersion: '1' | '2';
  kernelVersion: string;
  operatingSystem: string;
  osType: 'linux';
  architecture: string;
  ncpu: number;
  memTotal: number;
  serverVersion: string;
}

export interface EngineConfig {
  dataRoot: string;
  execRoot: string;
  /** "runc" | "crun" | "auto" (probe crun, fall back to runc) */
  runtime?: string;
}

export interface Engine {
  readonly containers: ContainerService;
  readonly images: ImageService;
  readonly events: EventBus;
  readonly config: EngineConfig;
  info(): Promise<SystemInfo>;
  /** Stop serving; running containers keep running under conmon. */
  close(): Promise<void>;
}

export const BERTH_VERSION = '0.1.0';
/** The Docker Engine API version we speak (negotiated down by clients as with dockerd). */
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.12';
