// TSRequest / TSCredentials DER (MS-CSSP 2.2.1): round trips through node-forge's ASN.1, the
// NTSTATUS error code read back unsigned whichever way a server encodes it, the DER framing of the
// TLS stream, and garbage or truncated messages ending in CredsspFormatError (never another
// exception, never a hang: every case here is synchronous and bounded).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derMessageLength, MAX_TS_REQUEST_BYTES } from '../../../protocols/rdp/nla/der-frame.ts';
import { NtlmFormatError, parseChallenge } from '../../../protocols/rdp/nla/ntlm-messages.ts';
import {
  CredsspFormatError,
  decodePasswordCredentials,
  decodeTsRequest,
  encodePasswordCredentials,
  encodeTsRequest,
  type TsRequest,
} from '../../../protocols/rdp/nla/ts-request.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('TSRequest DER', () => {
  it('round-trips every field', () => {
    const r: TsRequest = {
      version: 6,
      negoTokens: [Buffer.from('NTLMSSP\0token'), Buffer.alloc(300, 7)],
      authInfo: Buffer.from([1, 2, 3]),
      pubKeyAuth: Buffer.alloc(48, 9),
      errorCode: 0xc000006d,
      clientNonce: Buffer.alloc(32, 0xee),
    };
    const der = encodeTsRequest(r);
    expect(derMessageLength(der)).toBe(der.length);
    expect(decodeTsRequest(der)).toEqual(r);
  });

  it('encodes the version-only request exactly as MS-CSSP lays it out', () => {
    // SEQUENCE { [0] INTEGER 6 }
    expect(encodeTsRequest({ version: 6 }).toString('hex')).toBe('3005a003020106');
  });

  it('reads an NTSTATUS sent as a negative or as a zero-padded positive INTEGER', () => {
    // [4] INTEGER -1073741715 (0xC000006D) as 4 two's-complement bytes, then as 5 bytes 00 C0 00 00 6D.
    expect(decodeTsRequest(hex('300da003020102a4060204c000006d')).errorCode).toBe(0xc000006d);
    expect(decodeTsRequest(hex('300ea003020106a407020500c000006d')).errorCode).toBe(0xc000006d);
    expect(decodeTsRequest(hex('300aa003020106a403020100')).errorCode).toBe(0);
  });

  it('round-trips the password credentials in UTF-16LE', () => {
    const c = { domain: 'CORP', user: 'Administrator', password: 'Pä$$wörd' };
    const der = encodePasswordCredentials(c);
    expect(decodePasswordCredentials(der)).toEqual(c);
    expect(der.includes(Buffer.from('Pä$$wörd', 'utf16le'))).toBe(true);
  });
});

describe('DER framing of the TLS stream', () => {
  it('needs the whole header before it answers', () => {
    const der = encodeTsRequest({ version: 6, negoTokens: [Buffer.alloc(200)] });
    expect(der[1]).toBe(0x81);
    expect(derMessageLength(der.subarray(0, 1))).toBeUndefined();
    expect(derMessageLength(der.subarray(0, 2))).toBeUndefined();
    expect(derMessageLength(der.subarray(0, 3))).toBe(der.length);
  });

  it('refuses a non-SEQUENCE, an indefinite length and anything beyond the bound before allocating', () => {
    expect(() => derMessageLength(hex('0400'))).toThrow(CredsspFormatError);
    expect(() => derMessageLength(hex('3080'))).toThrow(CredsspFormatError);
    expect(() => derMessageLength(hex('3084ffffffff'))).toThrow(CredsspFormatError);
    expect(() => derMessageLength(hex('3083100000'))).toThrow(/too large/);
    expect(derMessageLength(Buffer.from([0x30, 0x82, 0xff, 0xfc]))).toBe(MAX_TS_REQUEST_BYTES);
  });
});

describe('hostile input', () => {
  const valid = encodeTsRequest({
    version: 6,
    negoTokens: [Buffer.alloc(40, 1)],
    pubKeyAuth: Buffer.alloc(32, 2),
    errorCode: 0xc000006a,
  });

  /** Decoding may succeed or fail, but only with CredsspFormatError. */
  const decodesCleanly = (b: Buffer) => {
    try {
      decodeTsRequest(b);
    } catch (e) {
      expect(e).toBeInstanceOf(CredsspFormatError);
    }
  };

  it('every truncation of a valid TSRequest is a format error', () => {
    for (let n = 0; n < valid.length; n++)
      expect(() => decodeTsRequest(valid.subarray(0, n)), `truncated at ${n}`).toThrow(CredsspFormatError);
  });

  it('random bytes, and valid messages with random bytes flipped, never throw anything else', () => {
    for (let i = 0; i < 3000; i++) {
      decodesCleanly(randomBytes(1 + (i % 120)));
      const flipped = Buffer.from(valid);
      for (let k = 0; k < 1 + (i % 4); k++)
        flipped[Math.floor(Math.random() * flipped.length)] = Math.floor(Math.random() * 256);
      decodesCleanly(flipped);
    }
  });

  it('a deeply nested message is refused, not recursed into', () => {
    let inner = Buffer.from([0x04, 0x00]);
    for (let i = 0; i < 200; i++)
      inner = Buffer.concat([Buffer.from([0x30, 0x81, inner.length]), inner]).subarray(0, 250);
    expect(() => decodeTsRequest(inner)).toThrow(CredsspFormatError);
  });

  it('garbage and truncated CHALLENGE messages are NTLM format errors', () => {
    const challenge = hex(`
      4e544c4d53535000 02000000 0c000c00 38000000 33828ae2 0123456789abcdef 0000000000000000
      24002400 44000000 060070170000000f
      530065007200760065007200
      02000c0044006f006d00610069006e00 01000c0053006500720076006500720000000000
    `);
    expect(parseChallenge(challenge).serverChallenge.toString('hex')).toBe('0123456789abcdef');
    for (let n = 0; n < challenge.length; n++)
      expect(() => parseChallenge(challenge.subarray(0, n)), `truncated at ${n}`).toThrow(NtlmFormatError);
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(challenge);
      for (let k = 0; k < 1 + (i % 4); k++)
        b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
      try {
        parseChallenge(b);
      } catch (e) {
        expect(e).toBeInstanceOf(NtlmFormatError);
      }
    }
  });
});
