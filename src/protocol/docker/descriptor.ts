/** Docker Engine API OCI descriptor wire types (API 1.47+). No behaviour. */

/** OCI content descriptor and platform, as the API sends them (Go's ocispec types, empty fields omitted). */
export interface OciPlatformWire {
  architecture: string;
  os: string;
  variant?: string;
}

export interface OciDescriptorWire {
  mediaType: string;
  digest: string;
  size: number;
  platform?: OciPlatformWire;
}
