// The session's static virtual channels over node-rdpjs: the library hands each channel PDU in
// as received and sends each PDU as given (our patch, patches/node-rdpjs+0.3.0.patch); framing,
// reassembly and its bound live in protocols/rdp/virtual-channel.ts. A server may speak on a
// channel as soon as it is joined (xrdp's clipboard sends its capabilities straight away), before
// the caller could listen: those messages wait for the first listener.
import {
  ChannelReassembler,
  chunkChannelMessage,
  DEFAULT_CHUNK_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
} from '../../../protocols/rdp/virtual-channel.ts';
import type { RdpjsClient } from './rdpjs.ts';

/** A whole message, or (`message` undefined) one refused for its length: `tooLong` bytes announced. */
export type ChannelListener = (name: string, message: Uint8Array | undefined, tooLong?: number) => void;

/** Early messages kept per channel before anyone listens (a handful: capabilities, ready). */
const MAX_EARLY = 16;

export class VirtualChannels {
  readonly #reassemblers = new Map<string, ChannelReassembler>();
  readonly #early: { name: string; message: Uint8Array | undefined; tooLong?: number }[] = [];
  #listener: ChannelListener | undefined;
  /** Channels the engine speaks itself (drdynvc): their messages never reach the listener. */
  readonly #owned = new Map<string, (message: Uint8Array) => void>();
  /** Messages refused by the framing (too long, broken), for tests and the session's notice. */
  refused = 0;

  constructor(
    private readonly client: RdpjsClient,
    names: readonly string[],
    maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {
    for (const n of names) this.#reassemblers.set(n, new ChannelReassembler(maxMessageBytes));
    client.on('channelPdu', (name, pdu) => this.#pdu(name, pdu));
  }

  /** The channels the server allocated and let us join (a subset of those asked for). */
  joined(): string[] {
    return this.client.joinedChannels?.() ?? [];
  }

  /**
   * Takes a channel's whole messages for the engine's own use (set before the connection starts,
   * so none can come before it); refused messages are dropped.
   */
  own(name: string, fn: (message: Uint8Array) => void): void {
    this.#owned.set(name, fn);
  }

  listen(fn: ChannelListener): void {
    this.#listener = fn;
    for (const m of this.#early.splice(0)) fn(m.name, m.message, m.tooLong);
  }

  /** Sends one message, chunked; false when the channel is not joined. */
  send(name: string, message: Uint8Array): boolean {
    if (!this.#reassemblers.has(name)) return false;
    for (const pdu of chunkChannelMessage(message, DEFAULT_CHUNK_BYTES))
      if (!this.client.sendChannelPdu?.(name, Buffer.from(pdu.buffer, pdu.byteOffset, pdu.byteLength)))
        return false;
    return true;
  }

  #pdu(name: string, pdu: Buffer): void {
    const r = this.#reassemblers.get(name);
    if (!r) return;
    const out = r.push(pdu);
    if (out.kind === 'refused') this.refused++;
    if (out.kind === 'partial' || (out.kind === 'refused' && out.tooLong === undefined)) return;
    const owner = this.#owned.get(name);
    if (owner) {
      if (out.kind === 'message') owner(out.message);
      return;
    }
    // A message refused for its length still reaches the listener (without its bytes): the
    // clipboard audits a copy too large to take as refused, with its size.
    const m =
      out.kind === 'message'
        ? { name, message: out.message }
        : { name, message: undefined, tooLong: out.tooLong };
    if (this.#listener) this.#listener(m.name, m.message, m.tooLong);
    else if (this.#early.length < MAX_EARLY) this.#early.push(m);
  }
}
