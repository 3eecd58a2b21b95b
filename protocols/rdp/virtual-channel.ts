import { joinBytes } from './join-bytes.ts';
/**
 * Static virtual channel framing (MS-RDPBCGR 2.2.6.1 and 3.1.5.2): every PDU on a channel starts
 * with a CHANNEL_PDU_HEADER (u32 LE total length of the whole message, u32 LE flags), and a
 * message longer than the chunk size travels as several PDUs, the first flagged FIRST, the last
 * LAST (a short one is both). Pure: the RDP engine hands PDUs in and sends what comes out.
 *
 * A server decides how long a message it announces is, so reassembly is bounded: a message
 * announced longer than `maxMessageBytes` is refused (and its remaining chunks skipped) before
 * anything is buffered.
 */

export const CHANNEL_FLAG = {
  first: 0x00000001,
  last: 0x00000002,
  showProtocol: 0x00000010,
  /** Bulk-compressed data (MS-RDPBCGR 3.1.8): never negotiated by us, so refused. */
  compressed: 0x00200000,
} as const;

/** The chunk size every server accepts (CHANNEL_CHUNK_LENGTH); a server may allow larger. */
export const DEFAULT_CHUNK_BYTES = 1600;

/** Reassembly's bound when the caller gives none. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

const HEADER_BYTES = 8;

/** A channel PDU that breaks the framing; `code` is stable for tests and logs. */
export class VirtualChannelError extends Error {
  readonly code = 'E_RDP_CHANNEL';
}

/** One message split into channel PDUs (header + at most `chunkBytes` of data each). */
export function chunkChannelMessage(
  message: Uint8Array,
  chunkBytes = DEFAULT_CHUNK_BYTES,
  extraFlags: number = CHANNEL_FLAG.showProtocol,
): Uint8Array[] {
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1)
    throw new VirtualChannelError(`a chunk size of ${chunkBytes}`);
  const out: Uint8Array[] = [];
  let at = 0;
  do {
    const part = message.subarray(at, at + chunkBytes);
    let flags = extraFlags;
    if (at === 0) flags |= CHANNEL_FLAG.first;
    if (at + part.length >= message.length) flags |= CHANNEL_FLAG.last;
    const pdu = new Uint8Array(HEADER_BYTES + part.length);
    const v = new DataView(pdu.buffer);
    v.setUint32(0, message.length, true);
    v.setUint32(4, flags >>> 0, true);
    pdu.set(part, HEADER_BYTES);
    out.push(pdu);
    at += part.length;
  } while (at < message.length);
  return out;
}

export type ReassemblyResult =
  | { kind: 'message'; message: Uint8Array }
  | { kind: 'partial' }
  /** A message refused (too long, compressed, out of order); its later chunks are skipped. */
  | { kind: 'refused'; reason: string; tooLong?: number };

/** Puts one channel's chunks back together, one message at a time. */
export class ChannelReassembler {
  #parts: Uint8Array[] = [];
  #total = 0;
  #have = 0;
  #skipping = false;
  #open = false;

  constructor(private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  push(pdu: Uint8Array): ReassemblyResult {
    if (pdu.length < HEADER_BYTES) return this.#refuse('a channel PDU shorter than its header', false);
    const v = new DataView(pdu.buffer, pdu.byteOffset, pdu.byteLength);
    const total = v.getUint32(0, true);
    const flags = v.getUint32(4, true);
    const data = pdu.subarray(HEADER_BYTES);
    const first = (flags & CHANNEL_FLAG.first) !== 0;
    const last = (flags & CHANNEL_FLAG.last) !== 0;
    if (first) {
      this.#reset();
      if (flags & CHANNEL_FLAG.compressed) return this.#refuse('a compressed channel message', !last);
      if (total > this.maxMessageBytes)
        return {
          ...this.#refuse(`a channel message of ${total} bytes (at most ${this.maxMessageBytes})`, !last),
          tooLong: total,
        };
      this.#open = true;
      this.#total = total;
    } else if (this.#skipping) {
      if (last) this.#skipping = false;
      return { kind: 'partial' };
    } else if (!this.#open) {
      return this.#refuse('a channel chunk with no first chunk', !last);
    } else if (total !== this.#total) {
      return this.#refuse('a channel chunk whose message length changed', !last);
    }
    if (this.#have + data.length > this.#total)
      return this.#refuse('a channel message longer than it announced', !last);
    this.#parts.push(data.slice());
    this.#have += data.length;
    if (!last) return { kind: 'partial' };
    if (this.#have !== this.#total) return this.#refuse('a channel message shorter than it announced', false);
    const message = joinBytes(this.#parts, this.#have);
    this.#reset();
    return { kind: 'message', message };
  }

  #reset(): void {
    this.#parts = [];
    this.#total = 0;
    this.#have = 0;
    this.#skipping = false;
    this.#open = false;
  }

  #refuse(reason: string, skipRest: boolean): ReassemblyResult & { kind: 'refused' } {
    this.#reset();
    this.#skipping = skipRest;
    return { kind: 'refused', reason };
  }
}
