/**
 * The RDP vocabulary every room shares: what a server's screen update is once the engine has
 * parsed it, and what the operator's browser sends back. The engine (gateway/connectors/rdp/)
 * produces `BitmapRect`s, the decoder (protocols/rdp/codec/) turns them into pixels in the gateway
 * and in the browser alike, the desktop recorder stores them as they came, and the viewer's
 * WebSocket carries them compressed. Plain data and `Uint8Array`s only, so browser code can use
 * the same definitions.
 */

/** Colour depths a server may send bitmaps in (MS-RDPBCGR 2.2.9.1.1.3.1.2.2, TS_BITMAP_DATA). */
export type BitsPerPixel = 8 | 15 | 16 | 24 | 32;

/**
 * One bitmap of a Bitmap Update: the server's rectangle, exactly as sent. The bitmap is
 * `width` × `height` pixels (its width is a multiple of 4 for compressed data); it is drawn at
 * (`left`, `top`) and clipped to the inclusive destination corner (`right`, `bottom`).
 */
export interface BitmapRect {
  left: number;
  top: number;
  /** Inclusive. */
  right: number;
  /** Inclusive. */
  bottom: number;
  width: number;
  height: number;
  bpp: BitsPerPixel;
  /** Interleaved RLE (8–24 bpp) or planar (32 bpp) when true; raw bottom-up rows when false. */
  compressed: boolean;
  data: Uint8Array;
}

/** Operator input, after the viewer has turned browser events into RDP terms. */
export type DesktopInput =
  /** A key by its PC/AT set-1 scancode; `extended` for the E0-prefixed keys (arrows, right Ctrl…). */
  | { kind: 'key'; scancode: number; extended: boolean; down: boolean }
  /** Pointer moved to (x, y) in desktop pixels. */
  | { kind: 'move'; x: number; y: number }
  /** Button 1 = left, 2 = right, 3 = middle. */
  | { kind: 'button'; button: 1 | 2 | 3; down: boolean; x: number; y: number }
  /** Positive = away from the user (scroll up), in wheel notches of 120 as Windows counts them. */
  | { kind: 'wheel'; delta: number; x: number; y: number };

/** The desktop size chosen at connect (from the browser window), bounded before it is dialled. */
export interface DesktopSize {
  width: number;
  height: number;
}

/** Largest and smallest desktop a client may ask for (what RDP servers accept without scaling). */
export const DESKTOP_LIMITS = { minWidth: 200, minHeight: 200, maxWidth: 4096, maxHeight: 2160 } as const;
