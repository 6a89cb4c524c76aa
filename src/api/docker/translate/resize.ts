/** `h` and `w` of the resize routes, checked as dockerd's httputils.Uint32Value does (the same words). Pure. */
import { InvalidArgumentError } from '../../../base/errors';

function dim(raw: string | undefined, what: 'height' | 'width'): number {
  const v = raw ?? '';
  const bad = (why: string) => new InvalidArgumentError(`invalid resize ${what} ${JSON.stringify(v)}: ${why}`, 'INVALID_RESIZE');
  const digits = v.startsWith('-') ? v.slice(1) : v;
  if (!/^\d+$/.test(digits)) throw bad('invalid syntax');
  if (v.startsWith('-') || Number(digits) > 0xffffffff) throw bad('value out of range');
  return Number(digits);
}

export function resizeDimensions(h: string | undefined, w: string | undefined): { height: number; width: number } {
  return { height: dim(h, 'height'), width: dim(w, 'width') };
}
