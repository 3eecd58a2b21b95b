// Known answers for the NTLMv2 computations, transcribed from MS-NLMP section 4.2.4 ("NTLMv2
// Authentication"): user "User", domain "Domain", password "Password", server challenge
// 0123456789abcdef, client challenge aa×8, time zero, random session key 55×16, and the target
// information of the example's CHALLENGE message (NetBIOS domain "Domain", computer "Server").
import { describe, expect, it } from 'vitest';
import { ntlmv2Response, ntlmv2Temp, ntowfv2, sessionKeys } from '../../../protocols/rdp/nla/ntlm-crypto.ts';
import { parseChallenge } from '../../../protocols/rdp/nla/ntlm-messages.ts';
import { NtlmSession } from '../../../protocols/rdp/nla/ntlm-security.ts';
import { rc4 } from '../../../protocols/rdp/nla/rc4.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// MS-NLMP 4.2.4.3: the CHALLENGE message of the example.
const CHALLENGE = hex(`
  4e544c4d53535000 02000000 0c000c00 38000000 33828ae2 0123456789abcdef 0000000000000000
  24002400 44000000 060070170000000f
  530065007200760065007200
  02000c0044006f006d00610069006e00 01000c0053006500720076006500720000000000
`);

const SERVER_CHALLENGE = hex('0123456789abcdef');
const CLIENT_CHALLENGE = hex('aaaaaaaaaaaaaaaa');
const RANDOM_SESSION_KEY = hex('55555555555555555555555555555555');
const TIME = Buffer.alloc(8);

describe('NTLMv2 (MS-NLMP 4.2.4)', () => {
  const challenge = parseChallenge(CHALLENGE);
  const key = ntowfv2('Password', 'User', 'Domain');
  const temp = ntlmv2Temp(TIME, CLIENT_CHALLENGE, challenge.targetInfoBytes);
  const r = ntlmv2Response(key, challenge.serverChallenge, CLIENT_CHALLENGE, temp);

  it('parses the example CHALLENGE: flags, server challenge, AV pairs', () => {
    expect(challenge.flags).toBe(0xe28a8233);
    expect(challenge.serverChallenge).toEqual(SERVER_CHALLENGE);
    expect(challenge.targetInfo.map((p) => [p.id, p.value.toString('utf16le')])).toEqual([
      [2, 'Domain'],
      [1, 'Server'],
    ]);
  });

  it('NTOWFv2 (4.2.4.1.1)', () => {
    expect(key.toString('hex')).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
  });

  it('LMv2 response (4.2.4.2.1)', () => {
    expect(r.lmChallengeResponse.toString('hex')).toBe('86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
  });

  it('NTProofStr of the NTLMv2 response (4.2.4.2.2)', () => {
    expect(r.ntProofStr.toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
  });

  it('session base key (4.2.4.1.2) and encrypted session key (4.2.4.2.3)', () => {
    expect(r.sessionBaseKey.toString('hex')).toBe('8de40ccadbc14a82f15cb0ad0de95ca3');
    expect(Buffer.from(rc4(r.sessionBaseKey, RANDOM_SESSION_KEY)).toString('hex')).toBe(
      'c5dad2544fc9799094ce1ce90bc9d03e',
    );
  });

  it('client signing and sealing keys (4.2.4.1.4, 4.2.4.1.5)', () => {
    const k = sessionKeys(RANDOM_SESSION_KEY);
    expect(k.client.sealKey.toString('hex')).toBe('59f600973cc4960a25480a7c196e4c58');
    expect(k.client.signKey.toString('hex')).toBe('4788dc861b4782f35d43fd98fe1a2d39');
  });

  it('GSS_WrapEx of "Plaintext", sequence 0 (4.2.4.4): signature then sealed data', () => {
    const wrapped = new NtlmSession(sessionKeys(RANDOM_SESSION_KEY)).wrap(
      Buffer.from('Plaintext', 'utf16le'),
    );
    expect(wrapped.subarray(0, 16).toString('hex')).toBe('010000007fb38ec5c55d497600000000');
    expect(wrapped.subarray(16).toString('hex')).toBe('54e50165bf1936dc996020c1811b0f06fb5f');
  });
});
