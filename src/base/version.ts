/** Versions every door reports; here so the CLI and client need not import the engine. */
export const BERTH_VERSION = '0.1.0';
/** The Docker Engine API version we speak (negotiated down by clients as with dockerd). */
export const API_VERSION = '1.49';
/** Docker 28's minimum: older clients are refused with dockerd's words. */
export const MIN_API_VERSION = '1.24';
