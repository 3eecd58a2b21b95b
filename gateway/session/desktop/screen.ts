// The gateway's copy of a desktop: every update is drawn on a framebuffer as it passes through,
// so a viewer that joins late (a shadow) or fell behind gets the whole current screen in one
// keyframe instead of the history of updates. The keyframe is deflated (a desktop is mostly
// flat colour: a 1920×1080 screen of 8 MB shrinks to tens of kilobytes) and kept until the next
// update, so viewers joining together cost one compression.
import { deflateRawSync } from 'node:zlib';
import { encodeKeyframe } from '../../../protocols/rdp/viewer-protocol.ts';
import type { BitmapRect, DesktopSize } from '../../../protocols/rdp/types.ts';
import type { DesktopFramebuffer, FramebufferFactory } from './types.ts';

export class DesktopScreen {
  readonly #fb: DesktopFramebuffer;
  #keyframe: Uint8Array | undefined;
  /** Rectangles that did not decode (a server bug or garbage): skipped, counted, never fatal. */
  undecodable = 0;

  constructor(factory: FramebufferFactory, size: DesktopSize) {
    this.#fb = factory(size.width, size.height);
  }

  get size(): DesktopSize {
    return { width: this.#fb.width, height: this.#fb.height };
  }

  apply(rects: readonly BitmapRect[]): void {
    for (const r of rects) {
      try {
        this.#fb.apply(r);
      } catch {
        this.undecodable++;
      }
    }
    this.#keyframe = undefined;
  }

  resize(size: DesktopSize): void {
    this.#fb.resize(size.width, size.height);
    this.#keyframe = undefined;
  }

  /** The whole screen as a viewer-protocol KEYFRAME message. */
  keyframe(): Uint8Array {
    return (this.#keyframe ??= encodeKeyframe(
      this.#fb.width,
      this.#fb.height,
      deflateRawSync(this.#fb.snapshot(), { level: 1 }),
    ));
  }
}
