// During CredSSP the TLS stream carries bare DER TSRequests, one after another, with no outer
// framing (MS-CSSP 3.1.5): a message's length is read from its own DER header. The length is
// bounded before anything is allocated, so a hostile server cannot make the client buffer
// megabytes, and a header that cannot start a TSRequest is rejected at once.
import { CredsspFormatError } from './ts-request.ts';

/** Far above any real TSRequest (an NTLM CHALLENGE with its target information is < 1 KiB). */
export const MAX_TS_REQUEST_BYTES = 64 * 1024;

/**
 * The total length (header + content) of the DER message at the start of `b`, or undefined when
 * `b` does not yet hold the whole header. Throws CredsspFormatError for anything that is not a
 * SEQUENCE of definite length within MAX_TS_REQUEST_BYTES.
 */
export function derMessageLength(b: Uint8Array): number | undefined {
  if (b.length < 2) return undefined;
  if (b[0] !== 0x30) throw new CredsspFormatError('the server sent something other than a TSRequest');
  const first = b[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  // 0x80 is BER's indefinite length, which DER forbids; more than 3 length bytes is beyond the bound.
  if (n === 0 || n > 3) throw new CredsspFormatError('TSRequest length is invalid or too large');
  if (b.length < 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  const total = 2 + n + len;
  if (total > MAX_TS_REQUEST_BYTES) throw new CredsspFormatError(`TSRequest of ${total} bytes is too large`);
  return total;
}
