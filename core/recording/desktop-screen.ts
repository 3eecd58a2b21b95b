/**
 * The screen a desktop recording keeps and replays: the RDP decoder's framebuffer
 * (protocols/rdp/codec/) seen through the few calls the recorder and the reader make. Both take
 * it as a factory, the decoder's by default (tests may pass their own).
 */
import { Framebuffer } from '../../protocols/rdp/codec/index.ts';
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

/** The RDP decoder's framebuffer: what the viewer draws with, so replay shows what was shown. */
export const decoderFramebuffer: FramebufferFactory = (width, height) => new Framebuffer(width, height);

/** Draws a keyframe's RGBA onto a framebuffer, resized to the keyframe's size first. */
export function drawKeyframe(fb: DesktopFramebuffer, rgba: Uint8Array, width: number, height: number): void {
  if (fb.width !== width || fb.height !== height) fb.resize(width, height);
  fb.apply(keyframeRect(rgba, width, height));
}
