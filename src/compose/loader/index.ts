/** Compose project loading: files -> the normalized model `docker compose config` prints. */
export { loadProject, normalizeProjectName, DEFAULT_FILES, type LoadOptions } from './load';
export { ComposeFileError } from './errors';
export { parseDotenv, DotenvError } from './dotenv';
export { interpolate, substitute, InterpolationError, type Lookup } from './interpolate';
export { schemaError } from './schema';
export * from './model';
