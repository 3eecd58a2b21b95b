// The desktop sizes the gateway dials. At connect the browser's wish is only bounded (a window
// always has some size); a resize asked for later is checked first: a viewer that asks for a size
// no RDP client may ask for (Display Control's monitor bounds, MS-RDPEDISP 2.2.2.2.1: 200 to 8192
// pixels a side) is refused with a stable error and never reaches the dial.
import { ValidationError } from '../../../core/index.ts';
import { DESKTOP_LIMITS, type DesktopSize } from '../../../protocols/rdp/types.ts';

export const RESIZE_BOUNDS = { min: 200, max: 8192 } as const;

/**
 * The browser's wish within what the gateway dials: DESKTOP_LIMITS bounds the memory of the
 * framebuffers each session keeps (the gateway's and the recording's), and compressed bitmaps'
 * widths are multiples of 4, so the desktop's width is one too.
 */
export function boundedSize(s: DesktopSize): DesktopSize {
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.floor(v)));
  return {
    width: clamp(s.width, DESKTOP_LIMITS.minWidth, DESKTOP_LIMITS.maxWidth) & ~3,
    height: clamp(s.height, DESKTOP_LIMITS.minHeight, DESKTOP_LIMITS.maxHeight),
  };
}

/** A resize the viewer asked for, as the size to reconnect at; throws ValidationError when out of bounds. */
export function requestedSize(s: DesktopSize): DesktopSize {
  const ok = (v: number) => Number.isInteger(v) && v >= RESIZE_BOUNDS.min && v <= RESIZE_BOUNDS.max;
  if (!ok(s.width) || !ok(s.height))
    throw new ValidationError(
      `a desktop of ${s.width}x${s.height} is outside ${RESIZE_BOUNDS.min}..${RESIZE_BOUNDS.max} pixels a side`,
      { reason: 'desktop-size', width: s.width, height: s.height },
    );
  return boundedSize(s);
}
