/**
 * Docker Engine API wire shapes the client sends and reads (PascalCase as on the wire).
 * Only the fields Berth's CLI uses are typed; the rest pass through as unknown JSON.
 * Shapes the server side declares identically come from protocol/docker; the ones left
 * here are stricter (fields the CLI always sends) than the server's optional ones.
 */
import type { Ulimit } from '../protocol/docker/container';

export type { Ulimit } from '../protocol/docker/container';
export type { ContainerTopResponse as TopResponse, ContainerPruneResponse as PruneContainersResponse } from '../protocol/docker/container';
export type {
  HistoryResponseItem as ImageHistoryItem,
  ImageDeleteResponseItem as ImageDeleteItem,
  ImagePruneResponse as PruneImagesResponse,
  ImageScanReport,
} from '../protocol/docker/image';

export type JsonObject = Record<string, unknown>;

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

export interface RestartPolicy {
  Name: string;
  MaximumRetryCount: number;
}


export interface MountSpec {
  Type: string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  VolumeOptions?: JsonObject;
  BindOptions?: JsonObject;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export interface HostConfig extends JsonObject {
  Binds: string[] | null;
  NetworkMode: string;
  PortBindings: Record<string, PortBinding[]>;
  RestartPolicy: RestartPolicy;
  AutoRemove: boolean;
  ConsoleSize: [number, number];
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  Dns: string[];
  ExtraHosts: string[] | null;
  Privileged: boolean;
  PublishAllPorts: boolean;
  ReadonlyRootfs: boolean;
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  CpuShares: number;
  PidsLimit: number;
  Ulimits: Ulimit[];
  ShmSize: number;
}

export interface ContainerCreateRequest extends JsonObject {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Image: string;
  WorkingDir: string;
  Entrypoint: string[] | null;
  Labels: Record<string, string>;
  HostConfig: HostConfig;
}

export interface ContainerCreateResponse {
  Id: string;
  Warnings: string[] | null;
}

export interface WaitResponse {
  StatusCode: number;
  Error: { Message: string } | null;
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Pid: number;
}

export interface ContainerInspect extends JsonObject {
  Id: string;
  Name: string;
  State: ContainerState;
  Config: { Tty: boolean; OpenStdin: boolean; Image: string; [k: string]: unknown };
  HostConfig: JsonObject;
  NetworkSettings: { Ports?: Record<string, PortBinding[] | null> | null; [k: string]: unknown };
}

export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

export interface ContainerSummary extends JsonObject {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: PortSummary[];
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  SizeRw?: number;
  SizeRootFs?: number;
  Mounts?: Array<{ Name?: string; Source?: string }>;
  NetworkSettings?: { Networks?: Record<string, unknown> };
}

export interface ImageSummary extends JsonObject {
  Id: string;
  ParentId: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  Labels: Record<string, string> | null;
  Containers: number;
}



export interface ExecCreateRequest {
  User: string;
  Privileged: boolean;
  Tty: boolean;
  AttachStdin: boolean;
  AttachStderr: boolean;
  AttachStdout: boolean;
  Detach: boolean;
  DetachKeys: string;
  Env: string[] | null;
  WorkingDir: string;
  Cmd: string[];
}

export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ContainerID: string;
}




export interface VersionResponse extends JsonObject {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  GitCommit?: string;
  GoVersion?: string;
  Os: string;
  Arch: string;
  KernelVersion?: string;
  BuildTime?: string;
  Experimental?: boolean;
  Components?: Array<{ Name: string; Version: string; Details?: Record<string, string> }>;
}

export interface EventMessage extends JsonObject {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

/** Docker filters as the CLI sends them: `{"label":{"a=b":true}}`. */
export type FilterMap = Record<string, Record<string, boolean>>;

/** Berth's /berth/kube/* answers. */
export interface KubePlayResponse {
  Namespace: string;
  Network: string;
  Pods: Array<{ Name: string; InfraId: string; ContainerIds: string[]; InitContainerIds: string[] }>;
  Volumes: string[];
  Warnings: string[];
}
export interface KubeDownResponse {
  Pods: string[];
  Containers: string[];
  Volumes: string[];
  Network: string | null;
}
export interface KubeGenerateResponse {
  Objects: JsonObject[];
  Warnings: string[];
}
