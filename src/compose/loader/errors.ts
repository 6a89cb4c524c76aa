/** Any problem with the Compose files or the project they describe, in compose's words. */
export class ComposeFileError extends Error {
  override name = 'ComposeFileError';
}
