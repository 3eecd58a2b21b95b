/**
 * The decoder's one error type. protocols/ runs in the browser too and may not import core at
 * run time, so this is a plain `Error` subclass; the gateway maps it to its own errors where it
 * needs to. `code` is stable (tests and callers match on it); the message names the bitmap's
 * shape and the offset, never pixel data.
 */
export type RdpCodecErrorCode =
  /** Width or height is zero, negative, not an integer, or larger than the decoder accepts. */
  | 'RDP_CODEC_BAD_SIZE'
  /** The data is shorter than its format requires, or longer than any honest encoder produces. */
  | 'RDP_CODEC_BAD_LENGTH'
  /** An order or plane asked for more input bytes than the stream has. */
  | 'RDP_CODEC_TRUNCATED'
  /** An order would write past the last pixel of the bitmap. */
  | 'RDP_CODEC_OVERRUN'
  /** An order header or control byte the specification does not define. */
  | 'RDP_CODEC_BAD_ORDER'
  /** A valid stream this decoder does not implement (colour loss, chroma subsampling). */
  | 'RDP_CODEC_UNSUPPORTED'
  /** A colour depth outside 8, 15, 16, 24 and 32. */
  | 'RDP_CODEC_BAD_DEPTH'
  /** A palette that is not 256 RGB triples. */
  | 'RDP_CODEC_BAD_PALETTE'
  /** The caller's output buffer is not width × height × 4 bytes. */
  | 'RDP_CODEC_BAD_OUTPUT'
  /** A framebuffer region outside the screen. */
  | 'RDP_CODEC_BAD_REGION';

export class RdpCodecError extends Error {
  readonly code: RdpCodecErrorCode;

  constructor(code: RdpCodecErrorCode, message: string) {
    super(message);
    this.name = 'RdpCodecError';
    this.code = code;
  }
}
