/**
 * The client side of the clipboard channel (MS-RDPECLIP 1.3.2), text only, as a state machine
 * with no I/O: whole channel messages in (`receive`), messages to send and what happened out
 * (the `ClipboardEvents`). Which directions are allowed is the caller's: this client fetches the
 * target's text only when `fetchFromTarget` says so, and offers text only when `offer` is called.
 *
 * Sequence: the server sends its capabilities and Monitor Ready; we answer with ours and a Format
 * List (empty, or CF_UNICODETEXT when text is waiting). A copy on the target comes as the server's
 * Format List: we always acknowledge it, and ask for CF_UNICODETEXT (CF_TEXT if that is all there
 * is) only when fetching is allowed. Text offered to the target is announced as a Format List and
 * handed over when the server asks for it (an application on the target pasting), never before.
 * Every other format, file lists included, is refused with a clean failure response.
 */
import {
  CB,
  CB_CAPS,
  CB_FLAG,
  CF,
  CliprdrError,
  decodeCliprdr,
  decodeFormatDataRequest,
  decodeFormatList,
  decodeServerCapabilities,
  decodeText,
  encodeClientCapabilities,
  encodeFileContentsFailure,
  encodeFormatDataRequest,
  encodeFormatDataResponse,
  encodeFormatList,
  encodeFormatListResponse,
  encodeUnicodeText,
  unicodeTextBytes,
} from './cliprdr.ts';

export type ClipboardFormat = 'text';

export interface ClipboardEvents {
  /** A message for the channel. */
  send(message: Uint8Array): void;
  /** The target's text, fetched; `bytes` as RDP carried it (UTF-16). */
  fromTarget(text: string, bytes: number): void;
  /** Text offered to the target was handed over when the target asked for it. */
  delivered(bytes: number): void;
  /**
   * A transfer that did not happen: the target copied text we may not fetch (`bytes` unknown:
   * it was never fetched), or its text or ours was over the limit.
   */
  refused(direction: 'to-target' | 'from-target', reason: string, bytes?: number): void;
  /** A message that broke the layout (ignored; the session goes on). */
  malformed?(reason: string): void;
}

export interface ClipboardClientOptions {
  fetchFromTarget: boolean;
  /** Longest text either way, in bytes as RDP carries it (UTF-16). */
  maxTextBytes: number;
  events: ClipboardEvents;
}

export class ClipboardClient {
  #longNames = false;
  #ready = false;
  /** Text offered to the target, handed over on its Format Data Request. */
  #offered: string | undefined;
  /** The format we asked the target for, awaiting its Format Data Response. */
  #awaiting: number | undefined;

  constructor(private readonly o: ClipboardClientOptions) {}

  /** Whether the server's Monitor Ready came (before it, offers wait). */
  get ready(): boolean {
    return this.#ready;
  }

  receive(message: Uint8Array): void {
    try {
      this.#receive(message);
    } catch (e) {
      if (!(e instanceof CliprdrError)) throw e;
      this.o.events.malformed?.(e.message);
    }
  }

  /** The target announced a message too long to take (the channel refused it unread). */
  tooLong(bytes: number): void {
    if (this.#awaiting === undefined) return;
    this.#awaiting = undefined;
    this.o.events.refused(
      'from-target',
      `the target's text is over the ${this.o.maxTextBytes}-byte limit`,
      bytes,
    );
  }

  /** Offers `text` to the target (the caller checked the policy); false when refused for its size. */
  offer(text: string): boolean {
    const bytes = unicodeTextBytes(text);
    if (bytes > this.o.maxTextBytes) {
      this.o.events.refused('to-target', `the text is over the ${this.o.maxTextBytes}-byte limit`, bytes);
      return false;
    }
    this.#offered = text;
    if (this.#ready) this.o.events.send(encodeFormatList([CF.unicodeText], this.#longNames));
    return true;
  }

  #receive(message: Uint8Array): void {
    const m = decodeCliprdr(message);
    const send = (b: Uint8Array) => this.o.events.send(b);
    switch (m.type) {
      case CB.clipCaps:
        this.#longNames = (decodeServerCapabilities(m.body) & CB_CAPS.useLongFormatNames) !== 0;
        return;
      case CB.monitorReady:
        // Also a new connection's start (a resize reconnects): a reply the old one owed is not coming.
        this.#ready = true;
        this.#awaiting = undefined;
        send(encodeClientCapabilities());
        send(encodeFormatList(this.#offered === undefined ? [] : [CF.unicodeText], this.#longNames));
        return;
      case CB.formatList: {
        const ids = decodeFormatList(m.body, this.#longNames);
        send(encodeFormatListResponse(true));
        // The target owns the clipboard now: what we offered before is no longer its content.
        this.#offered = undefined;
        this.#awaiting = undefined;
        const format = ids.includes(CF.unicodeText)
          ? CF.unicodeText
          : ids.includes(CF.text)
            ? CF.text
            : undefined;
        if (format === undefined) return;
        if (!this.o.fetchFromTarget) {
          this.o.events.refused('from-target', 'the clipboard policy does not allow text from the target');
          return;
        }
        this.#awaiting = format;
        send(encodeFormatDataRequest(format));
        return;
      }
      case CB.formatDataRequest: {
        const format = decodeFormatDataRequest(m.body);
        if (format !== CF.unicodeText || this.#offered === undefined) {
          send(encodeFormatDataResponse(undefined));
          return;
        }
        const text = this.#offered;
        send(encodeFormatDataResponse(encodeUnicodeText(text)));
        this.o.events.delivered(unicodeTextBytes(text));
        return;
      }
      case CB.formatDataResponse: {
        const format = this.#awaiting;
        this.#awaiting = undefined;
        if (format === undefined || m.flags & CB_FLAG.responseFail) return;
        const text = decodeText(format, m.body);
        const bytes = format === CF.text ? text.length : unicodeTextBytes(text);
        if (bytes > this.o.maxTextBytes) {
          this.o.events.refused(
            'from-target',
            `the target's text is over the ${this.o.maxTextBytes}-byte limit`,
            bytes,
          );
          return;
        }
        this.o.events.fromTarget(text, bytes);
        return;
      }
      case CB.fileContentsRequest:
        send(encodeFileContentsFailure(m.body));
        return;
      default:
        // Format List Response, Lock/Unlock, Temporary Directory and anything newer: nothing to do.
        return;
    }
  }
}
