/** Docker Engine API v1.49 image wire types (fields older versions still get are optional). No behaviour. */
import type { ContainerConfig } from './container';
import type { OciDescriptorWire, OciPlatformWire } from './descriptor';

/** API 1.47 ImageManifestSummary (AttestationData left out: this store keeps no attestations). */
export interface ImageManifestSummaryWire {
  ID: string;
  Descriptor: OciDescriptorWire;
  Available: boolean;
  Size: { Total: number; Content: number };
  Kind: 'image' | 'attestation' | 'unknown';
  ImageData?: { Platform: OciPlatformWire; Containers: string[]; Size: { Unpacked: number } };
}

export interface ImageInspectResponse {
  Id: string;
  /** API 1.48+ */
  Descriptor?: OciDescriptorWire;
  /** API 1.48+, with manifests=1 */
  Manifests?: ImageManifestSummaryWire[];
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  /** until API 1.44 */
  Container?: string;
  /** until API 1.44 */
  ContainerConfig?: ContainerConfig;
  DockerVersion: string;
  Author: string;
  Config: ContainerConfig;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  /** until API 1.43 */
  VirtualSize?: number;
  GraphDriver: { Name: string; Data: Record<string, string> };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

export interface ImageSummaryWire {
  Id: string;
  ParentId: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  /** until API 1.43 */
  VirtualSize?: number;
  Labels: Record<string, string> | null;
  Containers: number;
  /** API 1.47+, with manifests=1 */
  Manifests?: ImageManifestSummaryWire[];
  /** API 1.48+ */
  Descriptor?: OciDescriptorWire;
}

export interface HistoryResponseItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export interface ImageDeleteResponseItem {
  Untagged?: string;
  Deleted?: string;
}

export interface ImagePruneResponse {
  ImagesDeleted: ImageDeleteResponseItem[] | null;
  SpaceReclaimed: number;
}

/** Berth's own: POST /images/{name}/scan (an OSV advisory file in, the image's matches out). */
export interface ImageScanReport {
  image: string;
  distro?: string;
  packages: number;
  findings: Array<{ id: string; package: string; type: string; installed: string; fixedIn?: string; severity?: string; summary?: string; aliases?: string[]; purl: string; location: string }>;
}
