/**
 * Go's time.Duration.String() ("50ms", "1.5s", "1m30s", "1h0m0s"): dockerd puts durations in messages this way
 * (healthcheck timeouts). Hand-written: no npm package formats Go durations, and the rules fit in a few lines. Pure.
 */
export function goDurationString(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(Math.round(ns));
  const frac = (v: number, unit: number) => {
    const whole = Math.floor(v / unit);
    const rest = v % unit;
    if (!rest) return String(whole);
    return `${whole}.${String(rest).padStart(String(unit).length - 1, '0').replace(/0+$/, '')}`;
  };
  let out: string;
  if (n < 1e3) out = `${n}ns`;
  else if (n < 1e6) out = `${frac(n, 1e3)}µs`;
  else if (n < 1e9) out = `${frac(n, 1e6)}ms`;
  else {
    const h = Math.floor(n / 3.6e12);
    n -= h * 3.6e12;
    const m = Math.floor(n / 6e10);
    n -= m * 6e10;
    const s = `${frac(n, 1e9)}s`;
    out = h ? `${h}h${m}m${s}` : m ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}
