import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DisplayControlClient } from '../../../protocols/rdp/display-control-client.ts';
import {
  decodeDisplayControl,
  DisplayControlError,
  encodeMonitorLayout,
  layoutAllowed,
} from '../../../protocols/rdp/display-control.ts';
import {
  decodeDvc,
  DrdynvcError,
  DvcReassembler,
  encodeCapsResponse,
  encodeClose,
  encodeCreateResponse,
  encodeData,
} from '../../../protocols/rdp/drdynvc.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

// What xrdp 0.9.21 sent on drdynvc in the probe against the real server (test/e2e/
// rdp-display-control-xrdp.test.ts): its capabilities request (version 2, priority charges 0),
// the Display Control channel's Create Request (channel 1) and the channel's capabilities PDU
// (16 monitors, area factors 4096 × 2048), laid out as MS-RDPEDYC 2.2 and MS-RDPEDISP 2.2.2.1 say.
const XRDP_CAPS_REQUEST = bytes('50 00 0200 0000 0000 0000 0000');
const XRDP_CREATE = bytes(
  '10 01' + Buffer.from('Microsoft::Windows::RDS::DisplayControl').toString('hex') + '00',
);
const XRDP_DISPLAY_CAPS = bytes('30 01  05000000 14000000 10000000 00100000 00080000');

describe('drdynvc PDUs (MS-RDPEDYC 2.2)', () => {
  it('reads the server capabilities request, create request and data as xrdp sends them', () => {
    expect(decodeDvc(XRDP_CAPS_REQUEST)).toEqual({ cmd: 'caps', version: 2 });
    expect(decodeDvc(XRDP_CREATE)).toEqual({
      cmd: 'create',
      channelId: 1,
      name: 'Microsoft::Windows::RDS::DisplayControl',
    });
    const data = decodeDvc(XRDP_DISPLAY_CAPS);
    expect(data.cmd).toBe('data');
    expect(data.cmd === 'data' && hex(data.data)).toBe('05000000140000001000000000100000' + '00080000');
  });

  it('reads each channel id size (cbId) and Data First length size (Sp)', () => {
    expect(decodeDvc(bytes('31 3412 aabb'))).toMatchObject({ cmd: 'data', channelId: 0x1234 });
    expect(decodeDvc(bytes('32 78563412 aa'))).toMatchObject({ cmd: 'data', channelId: 0x12345678 });
    expect(decodeDvc(bytes('24 07 1000 aa'))).toMatchObject({ cmd: 'data-first', channelId: 7, length: 16 });
    expect(decodeDvc(bytes('28 07 00000100 aa'))).toMatchObject({ cmd: 'data-first', length: 0x10000 });
    expect(decodeDvc(bytes('40 05'))).toEqual({ cmd: 'close', channelId: 5 });
    expect(decodeDvc(bytes('60 05 00'))).toEqual({ cmd: 'other', code: 6 });
  });

  it('refuses PDUs cut short or a name with no end', () => {
    for (const b of ['', '31 34', '50 00 02', '10 01 41 42', '2c 01 0000'])
      expect(() => decodeDvc(bytes(b)), b).toThrow(DrdynvcError);
  });

  it('writes the client PDUs byte for byte', () => {
    expect(hex(encodeCapsResponse())).toBe('50000200');
    expect(hex(encodeCreateResponse(1, 0))).toBe('100100000000');
    expect(hex(encodeCreateResponse(0x1234, 0x80004005 | 0))).toBe('11341205400080');
    expect(hex(encodeClose(1))).toBe('4001');
    expect(encodeData(1, bytes('0102')).map(hex)).toEqual(['30010102']);
  });

  it('splits a long message as Data First + Data and puts it back together', () => {
    const message = new Uint8Array(4000).map((_, i) => i & 0xff);
    const pdus = encodeData(3, message);
    expect(pdus.every((p) => p.length <= 1600)).toBe(true);
    expect(hex(pdus[0]!.subarray(0, 4))).toBe('2403a00f'); // Data First, 2-byte length 4000
    const r = new DvcReassembler(8000);
    let out;
    for (const p of pdus) {
      const d = decodeDvc(p);
      out =
        d.cmd === 'data-first' ? r.first(d.length, d.data) : d.cmd === 'data' ? r.data(d.data) : undefined;
    }
    expect(out).toEqual({ kind: 'message', message });
  });

  it('refuses a message announced longer than the bound before buffering, and one longer than announced', () => {
    const r = new DvcReassembler(100);
    expect(r.first(101, new Uint8Array(1)).kind).toBe('refused');
    expect(r.first(10, new Uint8Array(8))).toEqual({ kind: 'partial' });
    expect(r.data(new Uint8Array(3)).kind).toBe('refused');
    expect(r.data(new Uint8Array(101)).kind).toBe('refused');
  });

  it('fuzz: any bytes decode or throw DrdynvcError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decodeDvc(b);
        } catch (e) {
          expect(e).toBeInstanceOf(DrdynvcError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('fuzz: any message survives encodeData and reassembly; the bound holds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 0, max: 70000 }), (m, id) => {
        const r = new DvcReassembler(5000);
        let out;
        for (const p of encodeData(id, m)) {
          expect(p.length).toBeLessThanOrEqual(1600);
          const d = decodeDvc(p);
          expect('channelId' in d && d.channelId).toBe(id);
          out =
            d.cmd === 'data-first'
              ? r.first(d.length, d.data)
              : d.cmd === 'data'
                ? r.data(d.data)
                : undefined;
        }
        expect(out).toEqual({ kind: 'message', message: m });
      }),
      { numRuns: 300 },
    );
  });
});

describe('Display Control PDUs (MS-RDPEDISP 2.2)', () => {
  it('reads the capabilities PDU', () => {
    const d = decodeDvc(XRDP_DISPLAY_CAPS);
    expect(d.cmd === 'data' && decodeDisplayControl(d.data)).toEqual({
      maxNumMonitors: 16,
      maxMonitorAreaFactorA: 4096,
      maxMonitorAreaFactorB: 2048,
    });
    expect(decodeDisplayControl(bytes('02000000 08000000'))).toBeNull();
    for (const b of ['0500', '05000000 30000000', '05000000 0c000000 0100'])
      expect(() => decodeDisplayControl(bytes(b)), b).toThrow(DisplayControlError);
  });

  it('writes a monitor layout of one primary monitor (2.2.2.2)', () => {
    expect(hex(encodeMonitorLayout(1280, 720))).toBe(
      [
        '02000000 38000000', // type MONITOR_LAYOUT, length 56
        '28000000 01000000', // MonitorLayoutSize 40, NumMonitors 1
        '01000000 00000000 00000000', // PRIMARY, left 0, top 0
        '00050000 d0020000', // 1280 × 720
        '00000000 00000000 00000000', // no physical size, landscape
        '64000000 64000000', // 100 % desktop and device scale
      ]
        .join('')
        .replace(/\s+/g, ''),
    );
  });

  it('keeps the size rules: width even, both within 200–8192, within the server area', () => {
    const caps = { maxNumMonitors: 1, maxMonitorAreaFactorA: 4096, maxMonitorAreaFactorB: 2048 };
    expect(layoutAllowed(caps, 200, 200)).toBe(true);
    expect(layoutAllowed(caps, 4096, 2048)).toBe(true);
    expect(layoutAllowed(caps, 4096, 2050)).toBe(false); // over the area
    expect(layoutAllowed(caps, 201, 600)).toBe(false); // odd width
    expect(layoutAllowed(caps, 198, 600)).toBe(false);
    expect(layoutAllowed(caps, 800, 199)).toBe(false);
    expect(layoutAllowed({ ...caps, maxMonitorAreaFactorB: 8192 }, 8194, 300)).toBe(false);
    for (const [w, h] of [
      [201, 600],
      [198, 600],
      [800, 8193],
    ] as const)
      expect(() => encodeMonitorLayout(w, h)).toThrow(DisplayControlError);
  });
});

describe('the Display Control client on drdynvc', () => {
  function client() {
    const sent: string[] = [];
    const broken: string[] = [];
    const c = new DisplayControlClient({ send: (m) => sent.push(hex(m)), broken: (r) => broken.push(r) });
    return { c, sent, broken };
  }

  it('answers caps, opens Display Control, refuses other channels, then sends layouts', () => {
    const { c, sent } = client();
    expect(c.requestLayout(1280, 720)).toBe(false);
    c.receive(XRDP_CAPS_REQUEST);
    c.receive(bytes('10 02' + Buffer.from('rdpsnd').toString('hex') + '00'));
    c.receive(XRDP_CREATE);
    expect(c.caps).toBeUndefined();
    expect(c.requestLayout(1280, 720)).toBe(false);
    c.receive(XRDP_DISPLAY_CAPS);
    expect(c.caps?.maxNumMonitors).toBe(16);
    expect(sent).toEqual(['50000200', '100205400080', '100100000000']);
    expect(c.requestLayout(1281, 720)).toBe(false);
    expect(c.requestLayout(1280, 720)).toBe(true);
    expect(sent[3]).toBe('3001' + hex(encodeMonitorLayout(1280, 720)));
  });

  it('a closed Display Control channel takes layouts no more', () => {
    const { c, sent } = client();
    c.receive(XRDP_CREATE);
    c.receive(XRDP_DISPLAY_CAPS);
    c.receive(bytes('40 01'));
    expect(sent.at(-1)).toBe('4001');
    expect(c.requestLayout(1280, 720)).toBe(false);
  });

  it('fuzz: any bytes on drdynvc never throw out of the client', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 8 }), (msgs) => {
        const { c } = client();
        c.receive(XRDP_CREATE);
        for (const m of msgs) c.receive(m);
      }),
      { numRuns: 1000 },
    );
  });
});
