// The Save Session Info PDU's data (MS-RDPBCGR 2.2.10.1) as a server lays it out: each infoType,
// the extended info with and without an auto-reconnect cookie before the logon errors, each
// logon-failure type, and truncated bytes (no notice rather than a wrong one).
import { describe, expect, it } from 'vitest';
import { parseSaveSessionInfo } from '../../../protocols/rdp/logon-info.ts';

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};

/** TS_LOGON_INFO_EXTENDED: Length, FieldsPresent, the fields, 570 bytes of padding. */
function extended(cookie: boolean, errors?: [number, number]): Uint8Array {
  const fields: Buffer[] = [];
  // ARC_SC_PRIVATE_PACKET: cbLen 28, Version 1, LogonId, 16-byte ArcRandomBits.
  if (cookie) fields.push(u32(28), u32(28), u32(1), u32(7), Buffer.alloc(16, 0xab));
  if (errors) fields.push(u32(8), u32(errors[0]), u32(errors[1]));
  const body = Buffer.concat(fields);
  const flags = (cookie ? 1 : 0) | (errors ? 2 : 0);
  return Buffer.concat([u32(3), u16(6 + body.length), u32(flags), body, Buffer.alloc(570)]);
}

describe('the logon notification (Save Session Info)', () => {
  it('LOGON, LOGON_LONG and PLAINNOTIFY say the user is logged on', () => {
    // TS_LOGON_INFO: cbDomain, Domain[52], cbUserName, UserName[512], SessionId.
    const logon = Buffer.concat([u32(0), u32(10), Buffer.alloc(52), u32(12), Buffer.alloc(512), u32(2)]);
    expect(parseSaveSessionInfo(logon)).toEqual({ kind: 'logged-on', infoType: 0 });
    const long = Buffer.concat([u32(1), u16(1), u32(18), u32(2), u32(0), u32(0), Buffer.alloc(558)]);
    expect(parseSaveSessionInfo(long)).toEqual({ kind: 'logged-on', infoType: 1 });
    expect(parseSaveSessionInfo(Buffer.concat([u32(2), Buffer.alloc(576)]))).toEqual({
      kind: 'logged-on',
      infoType: 2,
    });
    // Extended info with only the auto-reconnect cookie: logged on, the cookie not kept.
    expect(parseSaveSessionInfo(extended(true))).toEqual({ kind: 'logged-on', infoType: 3 });
  });

  it('LOGON_ERRORS tell each failure apart, after a cookie or without one', () => {
    expect(parseSaveSessionInfo(extended(false, [0, 0xfffffffe]))).toEqual({
      kind: 'failed',
      failure: 'logon-failure',
      type: 0,
      data: 0xfffffffe,
    });
    expect(parseSaveSessionInfo(extended(true, [1, 2]))).toMatchObject({
      kind: 'failed',
      failure: 'password-expired',
    });
    expect(parseSaveSessionInfo(extended(false, [2, 2]))).toMatchObject({ kind: 'failed', failure: 'other' });
    // LOGON_WARNING and the LOGON_MSG_* notifications are no failure.
    expect(parseSaveSessionInfo(extended(false, [3, 2]))).toEqual({ kind: 'message', type: 3, data: 2 });
    expect(parseSaveSessionInfo(extended(false, [0xfffffffd, 2]))).toMatchObject({ kind: 'message' });
  });

  it('truncated or unknown data gives no notice', () => {
    const full = extended(true, [0, 0]);
    for (const n of [0, 3, 9, 20, 45, 53])
      expect(parseSaveSessionInfo(full.subarray(0, n)), `${n} bytes`).toBeNull();
    expect(parseSaveSessionInfo(u32(9))).toBeNull();
  });
});
