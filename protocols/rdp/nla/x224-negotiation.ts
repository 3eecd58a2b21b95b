// The first two RDP packets (MS-RDPBCGR 2.2.1.1, 2.2.1.2), for the standalone NLA probe that
// verification uses without the whole RDP engine: a TPKT-framed X.224 Connection Request carrying
// RDP_NEG_REQ, and the server's Connection Confirm carrying RDP_NEG_RSP or RDP_NEG_FAILURE.

export const Protocol = { RDP: 0, SSL: 1, HYBRID: 2, HYBRID_EX: 8 } as const;

/** RDP_NEG_FAILURE codes (MS-RDPBCGR 2.2.1.2.2). */
export const NegFailure = {
  SSL_REQUIRED_BY_SERVER: 1,
  SSL_NOT_ALLOWED_BY_SERVER: 2,
  SSL_CERT_NOT_ON_SERVER: 3,
  INCONSISTENT_FLAGS: 4,
  HYBRID_REQUIRED_BY_SERVER: 5,
  SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER: 6,
} as const;

export function connectionRequest(requested: number): Buffer {
  const b = Buffer.alloc(19);
  b.writeUInt8(3, 0); // TPKT version
  b.writeUInt16BE(19, 2);
  b.writeUInt8(14, 4); // X.224 length indicator: the 6 header bytes after it + the 8 of RDP_NEG_REQ
  b.writeUInt8(0xe0, 5); // CR
  // destination reference, source reference and class 0 stay zero
  b.writeUInt8(0x01, 11); // TYPE_RDP_NEG_REQ
  b.writeUInt16LE(8, 13);
  b.writeUInt32LE(requested >>> 0, 15);
  return b;
}

export type ConnectionConfirm =
  | { kind: 'selected'; protocol: number }
  | { kind: 'failure'; code: number }
  /** No negotiation data: an old server that only speaks standard RDP security. */
  | { kind: 'none' };

/** Length of the TPKT packet at the start of `b`, or undefined until its header is in. */
export function tpktLength(b: Uint8Array): number | undefined {
  if (b.length < 4) return undefined;
  if (b[0] !== 3) throw new Error('the server did not answer with a TPKT packet');
  const n = (b[2]! << 8) | b[3]!;
  if (n < 11 || n > 512) throw new Error('the X.224 Connection Confirm has an impossible length');
  return n;
}

export function parseConnectionConfirm(p: Buffer): ConnectionConfirm {
  if (p.length < 11 || (p[5]! & 0xf0) !== 0xd0)
    throw new Error('the server did not confirm the X.224 connection');
  if (p.length < 19) return { kind: 'none' };
  const type = p[11]!;
  const value = p.readUInt32LE(15);
  if (type === 0x02) return { kind: 'selected', protocol: value };
  if (type === 0x03) return { kind: 'failure', code: value };
  throw new Error('the X.224 Connection Confirm carries an unknown negotiation type');
}
