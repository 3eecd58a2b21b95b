// Account names as NTLM sees them (DOMAIN\user, user@domain as a UPN with an empty domain, a bare
// local user), and the public key CredSSP binds to: the certificate's SubjectPublicKey, for RSA
// exactly the PKCS#1 RSAPublicKey.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ntlmAccount } from '../../../protocols/rdp/nla/account-name.ts';
import { subjectPublicKey } from '../../../protocols/rdp/nla/public-key.ts';

describe('NTLM account names', () => {
  it('splits DOMAIN\\user, keeps a UPN whole with an empty domain, and leaves a bare name local', () => {
    expect(ntlmAccount('CORP\\alice')).toEqual({ domain: 'CORP', user: 'alice' });
    expect(ntlmAccount('alice@corp.example')).toEqual({ domain: '', user: 'alice@corp.example' });
    expect(ntlmAccount('alice')).toEqual({ domain: '', user: 'alice' });
    expect(ntlmAccount('alice', 'WIN01')).toEqual({ domain: 'WIN01', user: 'alice' });
    // A leading backslash names no domain: the whole string is the user.
    expect(ntlmAccount('\\alice')).toEqual({ domain: '', user: '\\alice' });
  });
});

describe('the key CredSSP binds to', () => {
  it("is the certificate's SubjectPublicKey (PKCS#1 for RSA)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-spk-'));
    try {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const keyFile = path.join(dir, 'k.pem');
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-key',
          keyFile,
          '-subj',
          '/CN=t',
          '-days',
          '1',
          '-outform',
          'DER',
          '-out',
          path.join(dir, 'c.der'),
        ],
        { stdio: 'pipe' },
      );
      const der = readFileSync(path.join(dir, 'c.der'));
      const pkcs1 = createPublicKey(privateKey).export({ type: 'pkcs1', format: 'der' });
      expect(subjectPublicKey(der).equals(pkcs1)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
