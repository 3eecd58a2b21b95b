// The whole CredSSP exchange against an in-memory CredSSP/NTLMv2 server (test/support/
// credssp-server.ts) that checks what a real one checks: the NTLMv2 response against the password,
// the MIC, and the client's proof of the TLS key, before it accepts the sealed credentials. Both
// binding styles (TSRequest v5/v6 nonce + SHA-256, v2–v4 SPK+1), HYBRID_EX's early result, a
// server proving ANOTHER key (a machine in the middle: the password is never sent), and a wrong
// password refused with an NTSTATUS.
import { describe, expect, it } from 'vitest';
import { ManualTimers } from '../../../core/index.ts';
import { runCredssp } from '../../../protocols/rdp/nla/credssp-client.ts';
import { CredsspFailure } from '../../../protocols/rdp/nla/outcomes.ts';
import { fakeCredsspServer, type FakeCredsspServerOptions } from '../../support/credssp-server.ts';

const PASSWORD = 'Exch-Canary-4471!';
const SPK = Buffer.alloc(270, 0x5a);
const CREDS = { user: 'alice', domain: 'CORP', password: PASSWORD };

function run(server: Partial<FakeCredsspServerOptions> = {}, password = PASSWORD) {
  const s = fakeCredsspServer({ password: PASSWORD, publicKey: SPK, ...server });
  let seed = 0;
  const done = runCredssp(s.stream, {
    credentials: { ...CREDS, password },
    serverPublicKey: SPK,
    hybridEx: server.earlyResult !== undefined,
    randomBytes: (n) => Buffer.alloc(n, ++seed),
    now: () => new Date('2026-01-01T00:00:00Z'),
    timers: new ManualTimers(),
  });
  return { done, state: s.state };
}

describe('CredSSP exchange with an NTLMv2 server', () => {
  for (const version of [6, 5, 4, 3, 2])
    it(`TSRequest v${version}: the server verifies the MIC and the key proof, then receives the credentials`, async () => {
      const { done, state } = run({ version });
      expect((await done).version).toBe(version);
      expect(state.micVerified).toBe(true);
      expect(state.credentials).toEqual(CREDS);
    });

  it('HYBRID_EX: an Early User Authorization Result of 0 completes, 5 (access denied) refuses', async () => {
    const ok = run({ earlyResult: 0 });
    expect((await ok.done).rest.length).toBe(0);
    const denied = run({ earlyResult: 5 });
    await expect(denied.done).rejects.toMatchObject({ outcome: 'access-denied' });
  });

  for (const version of [6, 3])
    it(`v${version}: a server proving another TLS key is refused and never receives the password`, async () => {
      const { done, state } = run({ version, provesKey: Buffer.alloc(270, 0x11) });
      const e = await done.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(CredsspFailure);
      expect((e as CredsspFailure).outcome).toBe('key-binding-mismatch');
      expect(state.credentials).toBeUndefined();
      expect(state.clientMessages).toBe(2);
    });

  it('a wrong password: the server answers STATUS_WRONG_PASSWORD, the outcome says so', async () => {
    const { done, state } = run({ refusalStatus: 0xc000006a }, 'not-the-password');
    await expect(done).rejects.toMatchObject({ outcome: 'wrong-password', status: 0xc000006a });
    expect(state.credentials).toBeUndefined();
  });
});
