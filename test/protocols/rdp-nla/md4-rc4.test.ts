// Known answers for the two ciphers NTLM needs and Node 20's OpenSSL refuses: MD4 against the test
// suite of RFC 1320 (appendix A.5) and RC4 against the keystreams of RFC 6229 (offsets 0 and 16).
import { describe, expect, it } from 'vitest';
import { md4 } from '../../../protocols/rdp/nla/md4.ts';
import { Rc4, rc4 } from '../../../protocols/rdp/nla/rc4.ts';

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

describe('MD4 (RFC 1320 A.5)', () => {
  it.each([
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ])('md4(%j)', (input, digest) => {
    expect(hex(md4(Buffer.from(input, 'latin1')))).toBe(digest);
  });

  it('gives the NT hash winpr-hash writes into a SAM file', () => {
    // `winpr-hash -u rdpuser -p Spike-Pass-2024 -f sam` → rdpuser:::2757430cd7babee659eb6e822401c190:::
    expect(hex(md4(Buffer.from('Spike-Pass-2024', 'utf16le')))).toBe('2757430cd7babee659eb6e822401c190');
  });
});

describe('RC4 (RFC 6229)', () => {
  it.each([
    ['0102030405', 'b2396305f03dc027ccc3524a0a1118a86982944f18fc82d589c403a47a0d0919'],
    ['0102030405060708090a0b0c0d0e0f10', '9ac7cc9a609d1ef7b2932899cde41b975248c4959014126a6e8a84f11d1a9e1c'],
  ])('keystream of key %s at offsets 0 and 16', (key, stream) => {
    expect(hex(rc4(Buffer.from(key, 'hex'), new Uint8Array(32)))).toBe(stream);
  });

  it('runs on across calls, as a sealing handle does', () => {
    const r = new Rc4(Buffer.from('0102030405', 'hex'));
    const first = r.update(new Uint8Array(16));
    const second = r.update(new Uint8Array(16));
    expect(hex(first) + hex(second)).toBe('b2396305f03dc027ccc3524a0a1118a86982944f18fc82d589c403a47a0d0919');
  });
});
