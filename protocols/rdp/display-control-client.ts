/**
 * The client's side of the `drdynvc` static channel, for one dynamic channel: Display Control.
 * It answers the server's capabilities request, accepts the Display Control channel's creation
 * (and refuses every other dynamic channel: this client offers none of them), reads the server's
 * Display Control capabilities and sends monitor layouts. Pure: messages of the static channel in
 * (`receive`), messages out through `send`; nothing here waits or dials.
 */
import {
  decodeDvc,
  DvcReassembler,
  encodeCapsResponse,
  encodeClose,
  encodeCreateResponse,
  encodeData,
} from './drdynvc.ts';
import {
  decodeDisplayControl,
  DISPLAY_CONTROL_CHANNEL,
  encodeMonitorLayout,
  layoutAllowed,
  type DisplayControlCaps,
} from './display-control.ts';

/** The HRESULT a refused channel creation carries (E_FAIL): any negative value refuses it. */
const CREATE_REFUSED = 0x80004005 | 0;

/** Display Control messages are 20–56 bytes; anything far longer is not one. */
const MAX_MESSAGE_BYTES = 64 * 1024;

export interface DisplayControlClientEvents {
  /** One message for the `drdynvc` static channel. */
  send(message: Uint8Array): void;
  /** The server's capabilities arrived: layouts may be sent from now on. */
  ready?(caps: DisplayControlCaps): void;
  /** A PDU that broke the layout (ignored; the channel goes on). */
  broken?(reason: string): void;
}

export class DisplayControlClient {
  #channelId: number | undefined;
  #caps: DisplayControlCaps | undefined;
  readonly #reassembler = new DvcReassembler(MAX_MESSAGE_BYTES);

  constructor(private readonly events: DisplayControlClientEvents) {}

  /** The server's capabilities, once its Display Control channel is open and has said them. */
  get caps(): DisplayControlCaps | undefined {
    return this.#channelId === undefined ? undefined : this.#caps;
  }

  receive(message: Uint8Array): void {
    let pdu;
    try {
      pdu = decodeDvc(message);
    } catch (e) {
      this.events.broken?.((e as Error).message);
      return;
    }
    switch (pdu.cmd) {
      case 'caps':
        this.events.send(encodeCapsResponse());
        return;
      case 'create': {
        const ours = pdu.name === DISPLAY_CONTROL_CHANNEL && this.#channelId === undefined;
        if (ours) this.#channelId = pdu.channelId;
        this.events.send(encodeCreateResponse(pdu.channelId, ours ? 0 : CREATE_REFUSED));
        return;
      }
      case 'close':
        if (pdu.channelId === this.#channelId) {
          this.#channelId = undefined;
          this.#caps = undefined;
          this.events.send(encodeClose(pdu.channelId));
        }
        return;
      case 'data-first':
        if (pdu.channelId === this.#channelId) this.#message(this.#reassembler.first(pdu.length, pdu.data));
        return;
      case 'data':
        if (pdu.channelId === this.#channelId) this.#message(this.#reassembler.data(pdu.data));
        return;
      default:
        return;
    }
  }

  /**
   * Asks the server for one monitor of `width` × `height`; false (nothing sent) when the channel
   * is not open with its capabilities or the size is outside what the server must take.
   */
  requestLayout(width: number, height: number): boolean {
    const caps = this.caps;
    if (!caps || this.#channelId === undefined || !layoutAllowed(caps, width, height)) return false;
    for (const pdu of encodeData(this.#channelId, encodeMonitorLayout(width, height))) this.events.send(pdu);
    return true;
  }

  #message(r: ReturnType<DvcReassembler['data']>): void {
    if (r.kind === 'refused') this.events.broken?.(r.reason);
    if (r.kind !== 'message') return;
    try {
      const caps = decodeDisplayControl(r.message);
      if (caps) {
        this.#caps = caps;
        this.events.ready?.(caps);
      }
    } catch (e) {
      this.events.broken?.((e as Error).message);
    }
  }
}
