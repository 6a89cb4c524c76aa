/**
 * Typed pull/push progress in Docker's vocabulary. The core emits these;
 * progress-json.ts turns them into dockerd's JSON lines, a CLI renders them.
 */
export type LayerStatus =
  // pull
  | 'Pulling fs layer'
  | 'Waiting'
  | 'Downloading'
  | 'Verifying Checksum'
  | 'Download complete'
  | 'Extracting'
  | 'Pull complete'
  | 'Already exists'
  // push
  | 'Preparing'
  | 'Pushing'
  | 'Pushed'
  | 'Layer already exists'
  | `Mounted from ${string}`;

export type ProgressEvent =
  /** a line without a layer id: "Pulling from x" (id = tag), "Digest: …", "Status: …", "The push refers to …" */
  | { type: 'status'; status: string; id?: string }
  /** a layer line; `id` is the 12-hex short digest Docker shows */
  | { type: 'layer'; id: string; status: LayerStatus; current?: number; total?: number }
  /** push's final `{"Tag","Digest","Size"}` */
  | { type: 'aux'; aux: { Tag: string; Digest: string; Size: number } };

export type ProgressSink = (ev: ProgressEvent) => void;

/** Docker's short layer id: the first 12 hex digits. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
