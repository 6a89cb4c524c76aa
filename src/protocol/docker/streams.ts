/** Media types of Docker's non-JSON response streams. */
export const MediaType = {
  rawStream: 'application/vnd.docker.raw-stream',
  multiplexedStream: 'application/vnd.docker.multiplexed-stream',
  tar: 'application/x-tar',
  octetStream: 'application/octet-stream',
} as const;
