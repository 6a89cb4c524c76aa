/** Numbers as `docker` prints them (binary units, relative times). */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)} ${units[i]}`;
}

export function ago(unixSeconds: number): string {
  const s = Math.max(0, Date.now() / 1000 - unixSeconds);
  const steps: Array<[number, string]> = [[60, 'second'], [60, 'minute'], [24, 'hour'], [30, 'day'], [12, 'month']];
  let v = s;
  for (const [size, unit] of steps) {
    if (v < size) return `${Math.floor(v)} ${unit}${Math.floor(v) === 1 ? '' : 's'} ago`;
    v /= size;
  }
  return `${Math.floor(v)} years ago`;
}

export const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

export const pct = (v: number): string => `${v.toFixed(v < 10 ? 2 : 1)} %`;
