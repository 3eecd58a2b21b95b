/**
 * The RDP bitmap decoder and framebuffer, shared by the gateway (late joiners, recording
 * keyframes) and the browser viewer (bundled by esbuild). Plain TypeScript over `Uint8Array`s:
 * no Node module, no shared heap, no state between calls.
 */
export { decodeBitmap, decodeBitmapInto } from './decode.ts';
export { Framebuffer } from './framebuffer.ts';
export { RdpCodecError, type RdpCodecErrorCode } from './errors.ts';
export { MAX_BITMAP_SIDE } from './limits.ts';
export type { RdpPalette } from './pixels.ts';
