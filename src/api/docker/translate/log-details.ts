/** `docker logs --details` (dockerd's write_log_stream): the line's attrs sorted by key, "k=v" query-escaped as Go's url.QueryEscape, comma-joined, then a space. */
export function detailsPrefix(attrs: Record<string, string> | undefined): string {
  const esc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const keys = Object.keys(attrs ?? {}).sort();
  return `${keys.map((k) => `${esc(k)}=${esc(attrs![k]!)}`).join(',')} `;
}
