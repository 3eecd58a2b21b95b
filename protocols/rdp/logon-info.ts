/**
 * The Save Session Info PDU (MS-RDPBCGR 2.2.10.1, share data PDU type 0x26): how a server tells
 * the client that a user logged on, or, on a TLS-only server where no NLA judged the password
 * first, that the logon failed. Windows sends it; it is the one place a TLS-only session learns a
 * wrong password other than as pixels of a "logon failed" dialog. Little-endian throughout.
 *
 *   infoType u32: 0 LOGON (TS_LOGON_INFO), 1 LOGON_LONG (TS_LOGON_INFO_VERSION_2),
 *                 2 LOGON_PLAINNOTIFY (576 bytes of padding), 3 LOGON_EXTENDED_INFO
 *   LOGON_EXTENDED_INFO: length u16, fieldsPresent u32 (0x1 auto-reconnect cookie, 0x2 logon
 *                 errors), then each present field as cbFieldData u32 + data, cookie first;
 *                 the logon errors field (TS_LOGON_ERRORS_INFO, 2.2.10.1.1.4.1.1) is
 *                 errorNotificationType u32 + errorNotificationData u32.
 */

export const INFO_TYPE = { logon: 0, logonLong: 1, plainNotify: 2, extended: 3 } as const;
const LOGON_EX_AUTORECONNECTCOOKIE = 0x1;
const LOGON_EX_LOGONERRORS = 0x2;

/** errorNotificationType values that say the logon did not happen. */
const LOGON_FAILURES: Record<number, LogonFailure> = {
  0x0: 'logon-failure', // LOGON_FAILED_BAD_PASSWORD
  0x1: 'password-expired', // LOGON_FAILED_UPDATE_PASSWORD
  0x2: 'other', // LOGON_FAILED_OTHER
};
const LOGON_WARNING = 0x3;

export type LogonFailure = 'logon-failure' | 'password-expired' | 'other';

export type LogonNotice =
  /** The user is logged on (LOGON, LOGON_LONG, PLAINNOTIFY, or extended info without errors). */
  | { kind: 'logged-on'; infoType: number }
  /** The server reported the logon failed. */
  | { kind: 'failed'; failure: LogonFailure; type: number; data: number }
  /** A logon error report that is no failure (a warning, a session-busy or reconnect message). */
  | { kind: 'message'; type: number; data: number };

/** The notice in a Save Session Info PDU's data; null for bytes too short for their infoType. */
export function parseSaveSessionInfo(b: Uint8Array): LogonNotice | null {
  if (b.length < 4) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const infoType = v.getUint32(0, true);
  if (infoType !== INFO_TYPE.extended)
    return infoType <= INFO_TYPE.plainNotify ? { kind: 'logged-on', infoType } : null;
  if (b.length < 10) return null;
  const fields = v.getUint32(6, true);
  let at = 10;
  const field = (): [number, number] | null => {
    if (at + 4 > b.length) return null;
    const size = v.getUint32(at, true);
    const start = at + 4;
    if (start + size > b.length) return null;
    at = start + size;
    return [start, size];
  };
  if (fields & LOGON_EX_AUTORECONNECTCOOKIE && !field()) return null;
  if (!(fields & LOGON_EX_LOGONERRORS)) return { kind: 'logged-on', infoType };
  const errors = field();
  if (!errors || errors[1] < 8) return null;
  const type = v.getUint32(errors[0], true);
  const data = v.getUint32(errors[0] + 4, true);
  const failure = LOGON_FAILURES[type];
  if (failure && type !== LOGON_WARNING) return { kind: 'failed', failure, type, data };
  return { kind: 'message', type, data };
}
