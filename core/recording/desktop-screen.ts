/**
 * The screen a desktop recording keeps and replays: the RDP decoder's framebuffer
 * (protocols/rdp/codec/) seen through the few calls the recorder and the reader make, so both
 * take it as a factory (the gateway passes the decoder's, tests may pass their own).
 */
import { keyframeRect } from '../../protocols/rdp/keyframe.ts';
import type { BitmapRect } from '../../protocols/rdp/types.ts';

export interface DesktopFramebuffer {
  readonly width: number;
  readonly height: number;
  /** Decodes and draws one rectangle, clipped to the screen; throws on a bitmap that does not decode. */
  apply(rect: BitmapRect): void;
  /** A copy of the screen: RGBA, top-down rows. */
  snapshot(): Uint8ClampedArray;
  resize(width: number, height: number): void;
}

export type FramebufferFactory = (width: number, height: number) => DesktopFramebuffer;

/** Draws a keyframe's RGBA onto a framebuffer, resized to the keyframe's size first. */
export function drawKeyframe(fb: DesktopFramebuffer, rgba: Uint8Array, width: number, height: number): void {
  if (fb.width !== width || fb.height !== height) fb.resize(width, height);
  fb.apply(keyframeRect(rgba, width, height));
}
