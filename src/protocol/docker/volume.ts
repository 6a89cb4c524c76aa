/** Docker Engine API v1.41 volume wire types (swagger: Volume, VolumeCreateOptions, VolumeListResponse). No behaviour. */
export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  /** dockerd sends null for a volume without labels / options */
  Labels: Record<string, string> | null;
  Scope: 'local' | 'global';
  Options: Record<string, string> | null;
  /** only in GET /system/df (-1 = not computed) */
  UsageData?: { Size: number; RefCount: number } | null;
  Status?: Record<string, unknown>;
}

export interface VolumeCreateRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export interface VolumeListResponse {
  Volumes: Volume[];
  Warnings: string[] | null;
}

export interface VolumePruneResponse {
  /** dockerd 20.10 sends [] when nothing was removed (older ones null) */
  VolumesDeleted: string[] | null;
  SpaceReclaimed: number;
}
