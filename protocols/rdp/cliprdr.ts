/**
 * The clipboard virtual channel's messages (MS-RDPECLIP 2.2), text only: the client's side of
 * capabilities, Monitor Ready, Format List (+ Response), Format Data Request/Response and the
 * refusals a text-only client owes (file contents). Every message is a CLIPRDR_HEADER (u16 LE
 * msgType, u16 LE msgFlags, u32 LE dataLen) and dataLen bytes; integers are little-endian. Pure
 * and bounded: a message is read only within its own length and nothing here allocates more
 * than the message it reads.
 */

export const CB = {
  monitorReady: 0x0001,
  formatList: 0x0002,
  formatListResponse: 0x0003,
  formatDataRequest: 0x0004,
  formatDataResponse: 0x0005,
  tempDirectory: 0x0006,
  clipCaps: 0x0007,
  fileContentsRequest: 0x0008,
  fileContentsResponse: 0x0009,
  lockClipdata: 0x000a,
  unlockClipdata: 0x000b,
} as const;

export const CB_FLAG = { responseOk: 0x0001, responseFail: 0x0002, asciiNames: 0x0004 } as const;

/** General capability flags (2.2.2.1.1.1). */
export const CB_CAPS = { useLongFormatNames: 0x00000002 } as const;

/** Standard clipboard formats: the text ones this client knows. */
export const CF = { text: 1, unicodeText: 13 } as const;

const HEADER_BYTES = 8;

/** A clipboard message that breaks the layout; `code` is stable for tests and logs. */
export class CliprdrError extends Error {
  readonly code = 'E_RDP_CLIPRDR';
}

export interface CliprdrMessage {
  type: number;
  flags: number;
  body: Uint8Array;
}

export function decodeCliprdr(message: Uint8Array): CliprdrMessage {
  if (message.length < HEADER_BYTES) throw new CliprdrError('a clipboard message shorter than its header');
  const v = view(message);
  const length = v.getUint32(4, true);
  if (length > message.length - HEADER_BYTES)
    throw new CliprdrError(
      `a clipboard message announcing ${length} bytes of ${message.length - HEADER_BYTES}`,
    );
  return {
    type: v.getUint16(0, true),
    flags: v.getUint16(2, true),
    body: message.subarray(HEADER_BYTES, HEADER_BYTES + length),
  };
}

export function encodeCliprdr(type: number, flags: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + body.length);
  const v = view(out);
  v.setUint16(0, type, true);
  v.setUint16(2, flags, true);
  v.setUint32(4, body.length, true);
  out.set(body, HEADER_BYTES);
  return out;
}

/** The client's capabilities: one general set, version 2, long format names (no files, no locking). */
export function encodeClientCapabilities(): Uint8Array {
  const body = new Uint8Array(16);
  const v = view(body);
  v.setUint16(0, 1, true); // cCapabilitiesSets
  v.setUint16(4, 1, true); // CB_CAPSTYPE_GENERAL
  v.setUint16(6, 12, true); // lengthCapability
  v.setUint32(8, 2, true); // CB_CAPS_VERSION_2
  v.setUint32(12, CB_CAPS.useLongFormatNames, true);
  return encodeCliprdr(CB.clipCaps, 0, body);
}

/** The general flags of the server's capabilities (0 when it sends no general set). */
export function decodeServerCapabilities(body: Uint8Array): number {
  if (body.length < 4) throw new CliprdrError('clipboard capabilities without a count');
  const v = view(body);
  const count = v.getUint16(0, true);
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (at + 4 > body.length) throw new CliprdrError('a clipboard capability set cut short');
    const type = v.getUint16(at, true);
    const length = v.getUint16(at + 2, true);
    if (length < 4 || at + length > body.length)
      throw new CliprdrError('a clipboard capability set of a bad length');
    if (type === 1 && length >= 12) return v.getUint32(at + 8, true);
    at += length;
  }
  return 0;
}

/** A Format List naming `formats` with empty names, in the layout the capabilities agreed. */
export function encodeFormatList(formats: readonly number[], longNames: boolean): Uint8Array {
  const entry = longNames ? 6 : 36;
  const body = new Uint8Array(formats.length * entry);
  const v = view(body);
  formats.forEach((id, i) => v.setUint32(i * entry, id, true));
  return encodeCliprdr(CB.formatList, 0, body);
}

/**
 * The format ids of a Format List. Long names (2.2.3.1.2) are NUL-terminated UTF-16 after each
 * id; short names (2.2.3.1.1) are 32 bytes each. Names are skipped: a text-only client needs ids.
 */
export function decodeFormatList(body: Uint8Array, longNames: boolean): number[] {
  const v = view(body);
  const ids: number[] = [];
  if (!longNames) {
    if (body.length % 36 !== 0) throw new CliprdrError('a short-name format list of a bad length');
    for (let at = 0; at < body.length; at += 36) ids.push(v.getUint32(at, true));
    return ids;
  }
  let at = 0;
  while (at < body.length) {
    if (at + 6 > body.length) throw new CliprdrError('a long-name format list cut short');
    ids.push(v.getUint32(at, true));
    at += 4;
    for (;;) {
      if (at + 2 > body.length) throw new CliprdrError('a format name without its terminator');
      const unit = v.getUint16(at, true);
      at += 2;
      if (unit === 0) break;
    }
  }
  return ids;
}

export function encodeFormatListResponse(ok: boolean): Uint8Array {
  return encodeCliprdr(CB.formatListResponse, ok ? CB_FLAG.responseOk : CB_FLAG.responseFail);
}

export function encodeFormatDataRequest(format: number): Uint8Array {
  const body = new Uint8Array(4);
  view(body).setUint32(0, format, true);
  return encodeCliprdr(CB.formatDataRequest, 0, body);
}

export function decodeFormatDataRequest(body: Uint8Array): number {
  if (body.length < 4) throw new CliprdrError('a format data request without a format');
  return view(body).getUint32(0, true);
}

/** CF_UNICODETEXT as Windows holds it: UTF-16LE with a terminating NUL. */
export function encodeUnicodeText(text: string): Uint8Array {
  const out = new Uint8Array((text.length + 1) * 2);
  const v = view(out);
  for (let i = 0; i < text.length; i++) v.setUint16(i * 2, text.charCodeAt(i), true);
  return out;
}

/** Text bytes as RDP carries them (UTF-16, two bytes a code unit), the terminator not counted. */
export function unicodeTextBytes(text: string): number {
  return text.length * 2;
}

/** CF_UNICODETEXT (up to the first NUL; an odd last byte dropped) or CF_TEXT (Latin-1 up to a NUL). */
export function decodeText(format: number, data: Uint8Array): string {
  if (format === CF.text) {
    const end = data.indexOf(0);
    return Array.from(end < 0 ? data : data.subarray(0, end), (b) => String.fromCharCode(b)).join('');
  }
  const v = view(data);
  const units: number[] = [];
  for (let at = 0; at + 1 < data.length; at += 2) {
    const u = v.getUint16(at, true);
    if (u === 0) break;
    units.push(u);
  }
  let out = '';
  for (let i = 0; i < units.length; i += 4096) out += String.fromCharCode(...units.slice(i, i + 4096));
  return out;
}

export function encodeFormatDataResponse(data: Uint8Array | undefined): Uint8Array {
  return data
    ? encodeCliprdr(CB.formatDataResponse, CB_FLAG.responseOk, data)
    : encodeCliprdr(CB.formatDataResponse, CB_FLAG.responseFail);
}

/** The refusal of a File Contents Request (2.2.5.4): its stream id and no data. */
export function encodeFileContentsFailure(requestBody: Uint8Array): Uint8Array {
  const body = new Uint8Array(4);
  body.set(requestBody.subarray(0, 4));
  return encodeCliprdr(CB.fileContentsResponse, CB_FLAG.responseFail, body);
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
