// The NTLMv2 computations of MS-NLMP 3.3.2 (NTOWFv2, the NTLMv2 response, the session base key)
// and the key derivations of 3.4.5 (signing and sealing keys). Pure functions over bytes, so the
// known-answer vectors of MS-NLMP 4.2.4 pin them without a server.
import { createHash, createHmac } from 'node:crypto';
import { md4 } from './md4.ts';

export const hmacMd5 = (key: Uint8Array, ...parts: Uint8Array[]): Buffer => {
  const h = createHmac('md5', key);
  for (const p of parts) h.update(p);
  return h.digest();
};

const md5 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

export const utf16 = (s: string): Buffer => Buffer.from(s, 'utf16le');

/** NTOWFv2 = HMAC-MD5(MD4(UTF-16LE(password)), UTF-16LE(UPPER(user) ‖ domain)); the domain keeps its case. */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(md4(utf16(password)), utf16(user.toUpperCase() + domain));
}

/**
 * The NTLMv2 "temp" structure the client hashes and sends after its proof: response versions
 * 1 and 1, six zero bytes, the FILETIME, the client challenge, four zero bytes, the AV pairs
 * (ending with MsvAvEOL), four zero bytes.
 */
export function ntlmv2Temp(timestamp: Uint8Array, clientChallenge: Uint8Array, avPairs: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
    timestamp,
    clientChallenge,
    Buffer.alloc(4),
    avPairs,
    Buffer.alloc(4),
  ]);
}

export interface Ntlmv2Response {
  ntProofStr: Buffer;
  /** NTProofStr ‖ temp: the NtChallengeResponse field. */
  ntChallengeResponse: Buffer;
  /** HMAC-MD5(ResponseKeyLM, server ‖ client challenge) ‖ client challenge: the LMv2 response. */
  lmChallengeResponse: Buffer;
  /** HMAC-MD5(ResponseKeyNT, NTProofStr); for NTLMv2 it is also the key-exchange key. */
  sessionBaseKey: Buffer;
}

export function ntlmv2Response(
  responseKey: Uint8Array,
  serverChallenge: Uint8Array,
  clientChallenge: Uint8Array,
  temp: Uint8Array,
): Ntlmv2Response {
  const ntProofStr = hmacMd5(responseKey, serverChallenge, temp);
  return {
    ntProofStr,
    ntChallengeResponse: Buffer.concat([ntProofStr, temp]),
    lmChallengeResponse: Buffer.concat([
      hmacMd5(responseKey, serverChallenge, clientChallenge),
      clientChallenge,
    ]),
    sessionBaseKey: hmacMd5(responseKey, ntProofStr),
  };
}

const magic = (s: string): Buffer => Buffer.from(`session key to ${s} key magic constant\0`, 'latin1');

/** Signing and sealing keys of one direction (extended session security, 128-bit keys). */
export interface DirectionKeys {
  signKey: Buffer;
  sealKey: Buffer;
}

export function sessionKeys(exportedSessionKey: Uint8Array): {
  client: DirectionKeys;
  server: DirectionKeys;
} {
  return {
    client: {
      signKey: md5(exportedSessionKey, magic('client-to-server signing')),
      sealKey: md5(exportedSessionKey, magic('client-to-server sealing')),
    },
    server: {
      signKey: md5(exportedSessionKey, magic('server-to-client signing')),
      sealKey: md5(exportedSessionKey, magic('server-to-client sealing')),
    },
  };
}
