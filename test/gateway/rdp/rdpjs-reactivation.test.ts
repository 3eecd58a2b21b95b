// Deactivation-reactivation in the patched node-rdpjs (patches/node-rdpjs+0.3.0.patch), the way a
// Display Control resize makes the server do it (MS-RDPBCGR 1.3.1.3): once connected, a Deactivate
// All — with no body, as xrdp sends it — then a new Demand Active at the new size, both in ONE
// read; the client confirms the size the server gives (not the one it first asked for) under the
// new share id, sends the finalization PDUs again, and reports the new size at the server's Font
// Map. The library's own PDU builders make the server's side.
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';

const lib = 'node-rdpjs/lib/';
const load = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any -- the library ships no types */
const data = load(`${lib}protocol/pdu/data.js`) as any;
const caps = load(`${lib}protocol/pdu/caps.js`) as any;
const global = load(`${lib}protocol/pdu/global.js`) as any;
const gcc = load(`${lib}protocol/t125/gcc.js`) as any;
const type = load(`${lib}core/type.js`) as any;

const bytes = (c: any): Buffer => {
  const s = new type.Stream(c.size());
  c.write(s);
  return s.buffer as Buffer;
};

function demandActive(shareId: number, width: number, height: number): Buffer {
  const bitmap = caps.bitmapCapability();
  bitmap.obj.desktopWidth.value = width;
  bitmap.obj.desktopHeight.value = height;
  const sets = new type.Component([caps.capability(caps.generalCapability()), caps.capability(bitmap)]);
  const pdu = data.pdu(1002, data.demandActivePDU(sets));
  pdu.obj.pduMessage.obj.shareId.value = shareId;
  return bytes(pdu);
}

/** A connected Global client over a stand-in transport: what it sends, what it reports. */
function connectedClient() {
  const transport = new EventEmitter() as EventEmitter & { send(m: unknown): void };
  const sent: Buffer[] = [];
  transport.send = (m) => sent.push(bytes(m));
  const client = new global.Client(transport);
  const core = gcc.clientCoreData().obj;
  core.desktopWidth.value = 1024;
  core.desktopHeight.value = 768;
  client.gccCore = core;
  client.userId = 1007;
  client.channelId = 1003;
  const events: string[] = [];
  client.on('reactivated', (s: unknown) => events.push(`reactivated ${JSON.stringify(s)}`));
  client.on('deactivated', () => events.push('deactivated'));
  client.on('error', (e: Error) => events.push(`error ${e.message}`));
  // the connected state, as the library enters it after the first Font Map
  transport.on('data', (s: unknown) => client.recvPDU(s));
  const feed = (b: Buffer) => {
    try {
      transport.emit('data', new type.Stream(b));
    } catch (e) {
      events.push(`thrown ${(e as Error).message || (e as { code?: string }).code}`);
    }
  };
  return { client, sent, events, feed };
}

const parse = (b: Buffer) => data.pdu().read(new type.Stream(b));

describe('node-rdpjs deactivation-reactivation (our patch)', () => {
  it('a bodiless Deactivate All and a Demand Active in one read: the new size confirmed, finalized, reported', () => {
    const { client, sent, events, feed } = connectedClient();
    // share control header only: totalLength 6, pduType DEACTIVATEALLPDU (version 1), source
    const deactivate = Buffer.from([6, 0, 0x16, 0x00, 0xea, 0x03]);
    feed(Buffer.concat([deactivate, demandActive(0x10203, 1280, 720)]));
    expect(events).toEqual(['deactivated']);

    // Confirm Active under the new share id, with the server's size in the bitmap capability set
    expect(sent).toHaveLength(5);
    const confirm = parse(sent[0]!);
    expect(confirm.obj.shareControlHeader.obj.pduType.value & 0xf).toBe(
      data.PDUType.PDUTYPE_CONFIRMACTIVEPDU & 0xf,
    );
    expect(confirm.obj.pduMessage.obj.shareId.value).toBe(0x10203);
    const bitmap = confirm.obj.pduMessage.obj.capabilitySets.obj
      .map((c: any) => c.obj.capability)
      .find((c: any) => c.obj?.__TYPE__ === caps.CapsType.CAPSTYPE_BITMAP);
    expect([bitmap.obj.desktopWidth.value, bitmap.obj.desktopHeight.value]).toEqual([1280, 720]);
    // then Synchronize, Control (cooperate), Control (request), Font List: the finalization again
    expect(sent.slice(1).map((b) => parse(b).obj.pduMessage.obj.shareDataHeader.obj.pduType2.value)).toEqual([
      data.PDUType2.PDUTYPE2_SYNCHRONIZE,
      data.PDUType2.PDUTYPE2_CONTROL,
      data.PDUType2.PDUTYPE2_CONTROL,
      data.PDUType2.PDUTYPE2_FONTLIST,
    ]);

    // the server's finalization ends with its Font Map: the session is up again, at 1280x720
    feed(bytes(data.pdu(1002, data.dataPDU(data.fontMapDataPDU(), 0x10203))));
    expect(events).toEqual(['deactivated', 'reactivated {"width":1280,"height":720}']);
    expect(client.shareId).toBe(0x10203);
    // a later Font Map (none is due) reports nothing more
    feed(bytes(data.pdu(1002, data.dataPDU(data.fontMapDataPDU(), 0x10203))));
    expect(events).toHaveLength(2);
  });
});
