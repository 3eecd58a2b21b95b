import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHANNEL_FLAG,
  ChannelReassembler,
  chunkChannelMessage,
  VirtualChannelError,
} from '../../../protocols/rdp/virtual-channel.ts';

function header(pdu: Uint8Array): { total: number; flags: number; data: number } {
  const v = new DataView(pdu.buffer, pdu.byteOffset, pdu.byteLength);
  return { total: v.getUint32(0, true), flags: v.getUint32(4, true), data: pdu.length - 8 };
}

function pdu(total: number, flags: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, total, true);
  v.setUint32(4, flags, true);
  out.set(data, 8);
  return out;
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('static virtual channel chunking', () => {
  it('sends a short message as one PDU flagged FIRST and LAST', () => {
    const [only, ...rest] = chunkChannelMessage(bytes(10));
    expect(rest).toHaveLength(0);
    const h = header(only!);
    expect(h).toEqual({
      total: 10,
      flags: CHANNEL_FLAG.first | CHANNEL_FLAG.last | CHANNEL_FLAG.showProtocol,
      data: 10,
    });
  });

  it('splits at the chunk size: 1600 by default, every PDU announcing the whole length', () => {
    const pdus = chunkChannelMessage(bytes(4000));
    expect(pdus.map((p) => header(p))).toEqual([
      { total: 4000, flags: CHANNEL_FLAG.first | CHANNEL_FLAG.showProtocol, data: 1600 },
      { total: 4000, flags: CHANNEL_FLAG.showProtocol, data: 1600 },
      { total: 4000, flags: CHANNEL_FLAG.last | CHANNEL_FLAG.showProtocol, data: 800 },
    ]);
  });

  it('sends an empty message as one PDU and refuses a chunk size below one byte', () => {
    expect(chunkChannelMessage(new Uint8Array(0)).map(header)).toEqual([
      { total: 0, flags: CHANNEL_FLAG.first | CHANNEL_FLAG.last | CHANNEL_FLAG.showProtocol, data: 0 },
    ]);
    expect(() => chunkChannelMessage(bytes(3), 0)).toThrow(VirtualChannelError);
  });

  it('reassembles what it chunked, whatever the sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9000 }), fc.integer({ min: 1, max: 3000 }), (n, chunk) => {
        const message = bytes(n, n);
        const r = new ChannelReassembler(10_000);
        const results = chunkChannelMessage(message, chunk).map((p) => r.push(p));
        expect(results.slice(0, -1).every((x) => x.kind === 'partial')).toBe(true);
        const last = results.at(-1)!;
        expect(last.kind).toBe('message');
        if (last.kind === 'message') expect(Array.from(last.message)).toEqual(Array.from(message));
      }),
      { numRuns: 200 },
    );
  });
});

describe('static virtual channel reassembly refuses', () => {
  it('a message announced over the bound, before buffering it, and skips its later chunks', () => {
    const r = new ChannelReassembler(1024 * 1024);
    const [first, second, third] = chunkChannelMessage(bytes(1024 * 1024 + 1), 400_000);
    expect(r.push(first!)).toEqual({
      kind: 'refused',
      reason: expect.stringMatching(/1048577 bytes/),
      tooLong: 1048577,
    });
    expect(r.push(second!).kind).toBe('partial');
    expect(r.push(third!).kind).toBe('partial');
    // the next message is read normally
    const next = r.push(chunkChannelMessage(bytes(5))[0]!);
    expect(next.kind).toBe('message');
  });

  it('a message exactly at the bound is accepted', () => {
    const r = new ChannelReassembler(3200);
    const results = chunkChannelMessage(bytes(3200)).map((p) => r.push(p));
    expect(results.at(-1)!.kind).toBe('message');
  });

  it('chunks longer or shorter than announced, a middle chunk with no first, compressed data', () => {
    const r = new ChannelReassembler(100);
    expect(r.push(pdu(4, CHANNEL_FLAG.first | CHANNEL_FLAG.last, bytes(6))).kind).toBe('refused');
    expect(r.push(pdu(8, CHANNEL_FLAG.first | CHANNEL_FLAG.last, bytes(6))).kind).toBe('refused');
    expect(r.push(pdu(8, CHANNEL_FLAG.last, bytes(8))).kind).toBe('refused');
    expect(
      r.push(pdu(8, CHANNEL_FLAG.first | CHANNEL_FLAG.last | CHANNEL_FLAG.compressed, bytes(8))).kind,
    ).toBe('refused');
    expect(r.push(pdu(8, CHANNEL_FLAG.first, bytes(4))).kind).toBe('partial');
    expect(r.push(pdu(9, CHANNEL_FLAG.last, bytes(4))).kind).toBe('refused');
    expect(r.push(new Uint8Array(5)).kind).toBe('refused');
  });

  it('never throws nor returns more than the bound on arbitrary PDUs', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            total: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(0xffffffff)),
            flags: fc.integer({ min: 0, max: 0xffffffff }),
            data: fc.uint8Array({ maxLength: 200 }),
          }),
          { maxLength: 30 },
        ),
        (pdus) => {
          const r = new ChannelReassembler(256);
          for (const p of pdus) {
            const out = r.push(pdu(p.total, p.flags, p.data));
            if (out.kind === 'message') expect(out.message.length).toBeLessThanOrEqual(256);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
