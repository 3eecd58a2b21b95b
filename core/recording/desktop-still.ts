/**
 * A desktop recording's screen at one moment as a PNG (`custody recordings export ID --format png
 * --at SECONDS`): auditors' stills, and a check anyone can run against what a browser showed.
 * The screen is replayed by the RDP decoder (desktop-reader.ts), opaque, at the desktop's size.
 */
import { PNG } from 'pngjs';
import { ValidationError } from '../errors.ts';
import type { OpenedContainer } from './container-reader.ts';
import { DesktopReader } from './desktop-reader.ts';

export interface DesktopStill {
  png: Buffer;
  width: number;
  height: number;
  /** The moment shown, in seconds (`at`, or the end when `at` is past it or not given). */
  at: number;
}

export async function desktopStill(c: OpenedContainer, at: number | undefined): Promise<DesktopStill> {
  if (at !== undefined && (!Number.isFinite(at) || at < 0))
    throw new ValidationError(`--at must be a number of seconds from 0, got ${String(at)}`);
  const reader = new DesktopReader(c);
  const moment = at === undefined ? reader.duration : Math.min(at, reader.duration);
  const frame = await reader.frameAt(moment);
  return {
    png: encodeRgbaPng(frame.rgba, frame.width, frame.height),
    width: frame.width,
    height: frame.height,
    at: moment,
  };
}

export function encodeRgbaPng(rgba: Uint8ClampedArray, width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png);
}
