import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClipboardClient } from '../../../protocols/rdp/cliprdr-client.ts';
import {
  CB,
  CB_FLAG,
  CF,
  decodeCliprdr,
  decodeFormatList,
  decodeText,
  encodeCliprdr,
  encodeFormatList,
  encodeUnicodeText,
} from '../../../protocols/rdp/cliprdr.ts';

const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};
const serverCaps = (flags: number) => {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, 1, true);
  v.setUint16(4, 1, true);
  v.setUint16(6, 12, true);
  v.setUint32(8, 2, true);
  v.setUint32(12, flags, true);
  return encodeCliprdr(CB.clipCaps, 0, b);
};
const longNameList = (ids: number[]) => {
  const parts = ids.map((id) => [
    ...u32(id),
    ...encodeUnicodeText(id === 49000 ? 'FileGroupDescriptorW' : ''),
  ]);
  return encodeCliprdr(CB.formatList, 0, Uint8Array.from(parts.flat()));
};

function harness(fetchFromTarget: boolean, maxTextBytes = 1024) {
  const sent: { type: number; flags: number; body: Uint8Array }[] = [];
  const log: string[] = [];
  const client = new ClipboardClient({
    fetchFromTarget,
    maxTextBytes,
    events: {
      send: (m) => sent.push(decodeCliprdr(m)),
      fromTarget: (text, bytes) => log.push(`from ${bytes}: ${text}`),
      delivered: (bytes) => log.push(`delivered ${bytes}`),
      refused: (direction, reason, bytes) => log.push(`refused ${direction} ${bytes ?? '?'}: ${reason}`),
      malformed: (reason) => log.push(`malformed: ${reason}`),
    },
  });
  client.receive(serverCaps(2));
  client.receive(encodeCliprdr(CB.monitorReady, 0));
  return { client, sent, log };
}

describe('cliprdr client', () => {
  it('answers Monitor Ready with its capabilities and an empty format list', () => {
    const { sent } = harness(true);
    expect(sent.map((m) => m.type)).toEqual([CB.clipCaps, CB.formatList]);
    expect(sent[1]!.body.length).toBe(0);
  });

  it('fetches the target text as CF_UNICODETEXT when allowed, skipping file formats', () => {
    const { client, sent, log } = harness(true);
    client.receive(longNameList([49000, CF.unicodeText, CF.text]));
    expect(sent.slice(2).map((m) => [m.type, m.flags])).toEqual([
      [CB.formatListResponse, CB_FLAG.responseOk],
      [CB.formatDataRequest, 0],
    ]);
    expect(new DataView(sent[3]!.body.buffer, sent[3]!.body.byteOffset).getUint32(0, true)).toBe(
      CF.unicodeText,
    );
    client.receive(encodeCliprdr(CB.formatDataResponse, CB_FLAG.responseOk, encodeUnicodeText('héllo ☃')));
    expect(log).toEqual(['from 14: héllo ☃']);
  });

  it('acknowledges but never fetches when the policy forbids it: a refused row without size', () => {
    const { client, sent, log } = harness(false);
    client.receive(longNameList([CF.unicodeText]));
    expect(sent.slice(2).map((m) => m.type)).toEqual([CB.formatListResponse]);
    // an unsolicited data response is ignored
    client.receive(encodeCliprdr(CB.formatDataResponse, CB_FLAG.responseOk, encodeUnicodeText('leak')));
    expect(log).toEqual(['refused from-target ?: the clipboard policy does not allow text from the target']);
  });

  it('refuses a target text over the limit, with its size', () => {
    const { client, log } = harness(true, 8);
    client.receive(longNameList([CF.unicodeText]));
    client.receive(encodeCliprdr(CB.formatDataResponse, CB_FLAG.responseOk, encodeUnicodeText('12345')));
    expect(log).toEqual(["refused from-target 10: the target's text is over the 8-byte limit"]);
    client.receive(longNameList([CF.unicodeText]));
    client.tooLong(5_000_000);
    expect(log[1]).toBe("refused from-target 5000000: the target's text is over the 8-byte limit");
  });

  it('offers text as a format list and hands it over only when asked for CF_UNICODETEXT', () => {
    const { client, sent, log } = harness(true);
    expect(client.offer('paste me')).toBe(true);
    expect(sent[2]!.type).toBe(CB.formatList);
    expect(decodeFormatList(sent[2]!.body, true)).toEqual([CF.unicodeText]);
    client.receive(encodeCliprdr(CB.formatDataRequest, 0, u32(CF.text)));
    expect(sent[3]!.flags).toBe(CB_FLAG.responseFail);
    client.receive(encodeCliprdr(CB.formatDataRequest, 0, u32(CF.unicodeText)));
    expect(sent[4]!.flags).toBe(CB_FLAG.responseOk);
    expect(decodeText(CF.unicodeText, sent[4]!.body)).toBe('paste me');
    expect(log).toEqual(['delivered 16']);
    // a copy on the target replaces what we offered: a later request gets a failure
    client.receive(longNameList([]));
    client.receive(encodeCliprdr(CB.formatDataRequest, 0, u32(CF.unicodeText)));
    expect(sent.at(-1)!.flags).toBe(CB_FLAG.responseFail);
  });

  it('refuses an offer over the limit before announcing anything', () => {
    const { client, sent, log } = harness(true, 8);
    expect(client.offer('12345')).toBe(false);
    expect(sent).toHaveLength(2);
    expect(log).toEqual(['refused to-target 10: the text is over the 8-byte limit']);
  });

  it('an offer made before Monitor Ready goes in the first format list', () => {
    const sent: number[][] = [];
    const c = new ClipboardClient({
      fetchFromTarget: false,
      maxTextBytes: 100,
      events: {
        send: (m) => {
          const d = decodeCliprdr(m);
          sent.push([d.type, d.body.length]);
        },
        fromTarget: () => undefined,
        delivered: () => undefined,
        refused: () => undefined,
      },
    });
    c.offer('early');
    expect(sent).toEqual([]);
    c.receive(serverCaps(0)); // short format names
    c.receive(encodeCliprdr(CB.monitorReady, 0));
    expect(sent).toEqual([
      [CB.clipCaps, 16],
      [CB.formatList, 36],
    ]);
  });

  it('refuses file contents requests with a clean failure naming the stream', () => {
    const { client, sent } = harness(true);
    client.receive(
      encodeCliprdr(CB.fileContentsRequest, 0, Uint8Array.from([7, 0, 0, 0, ...new Uint8Array(24)])),
    );
    expect(sent.at(-1)!.type).toBe(CB.fileContentsResponse);
    expect(sent.at(-1)!.flags).toBe(CB_FLAG.responseFail);
    expect(Array.from(sent.at(-1)!.body)).toEqual([7, 0, 0, 0]);
  });

  it('short and long format lists both decode; broken ones are reported, not thrown', () => {
    expect(decodeFormatList(encodeFormatList([13, 1], false).subarray(8), false)).toEqual([13, 1]);
    expect(decodeFormatList(encodeFormatList([13, 1], true).subarray(8), true)).toEqual([13, 1]);
    const { client, log } = harness(true);
    client.receive(encodeCliprdr(CB.formatList, 0, Uint8Array.from([13, 0, 0, 0, 65, 0])));
    client.receive(Uint8Array.from([2, 0, 0, 0, 255, 0, 0, 0]));
    expect(log).toEqual([
      'malformed: a format name without its terminator',
      'malformed: a clipboard message announcing 255 bytes of 0',
    ]);
  });

  it('never throws and never hands over text beyond the limit on arbitrary server messages', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc
              .record({
                type: fc.integer({ min: 0, max: 12 }),
                flags: fc.integer({ min: 0, max: 7 }),
                body: fc.uint8Array({ maxLength: 80 }),
              })
              .map((m) => encodeCliprdr(m.type, m.flags, m.body)),
          ),
          { maxLength: 25 },
        ),
        fc.boolean(),
        (messages, fetch) => {
          const got: string[] = [];
          const c = new ClipboardClient({
            fetchFromTarget: fetch,
            maxTextBytes: 20,
            events: {
              send: () => undefined,
              fromTarget: (text) => got.push(text),
              delivered: () => undefined,
              refused: () => undefined,
            },
          });
          for (const m of messages) c.receive(m);
          if (!fetch) expect(got).toEqual([]);
          for (const t of got) expect(t.length * 2).toBeLessThanOrEqual(20);
        },
      ),
      { numRuns: 500 },
    );
  });
});
