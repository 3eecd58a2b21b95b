// The NLA login against a REAL FreeRDP shadow server (`freerdp-shadow-cli /sec:nla /sam-file:F`,
// the SAM entry made by `winpr-hash`) on loopback, through the standalone probe (X.224 asking for
// HYBRID/HYBRID_EX, TLS, CredSSP): the right password completes CredSSP; a wrong one is the
// logon-failure outcome. FreeRDP 2.11 never sends an errorCode for a wrong password: its NTLM
// check fails ("Message Integrity Check (MIC) verification failed", the keys derive from the
// password) and it closes the TLS connection after the AUTHENTICATE message, which the client
// reads as the logon failure it is. Canary: the password is in no outcome message.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemTimers } from '../../../core/index.ts';
import { CredsspFailure } from '../../../protocols/rdp/nla/outcomes.ts';
import { Protocol } from '../../../protocols/rdp/nla/x224-negotiation.ts';
import { NlaNotOfferedError, probeNla } from '../../../reset/rdp-nla-probe.ts';
import {
  eventually,
  rdpServerSkipReason,
  startShadowServer,
  type RdpTestServer,
} from '../../support/rdp-servers.ts';

const skip = rdpServerSkipReason('shadow');

async function dial(s: RdpTestServer): Promise<net.Socket> {
  const sock = net.connect(s.port, s.host);
  await new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  return sock;
}

describe.skipIf(!!skip)(`NLA against freerdp-shadow /sec:nla${skip ? ` (${skip})` : ''}`, () => {
  let nla: RdpTestServer;
  let tlsOnly: RdpTestServer;
  const messages: string[] = [];

  beforeAll(async () => {
    [nla, tlsOnly] = await Promise.all([startShadowServer({ security: 'nla' }), startShadowServer()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([nla?.stop(), tlsOnly?.stop()]);
    for (const m of messages) {
      expect(m).not.toContain(nla.user.password);
      expect(m).not.toContain(tlsOnly.user.password);
    }
  });

  const probe = async (s: RdpTestServer, password: string) =>
    probeNla(await dial(s), {
      user: s.user.name,
      domain: '',
      password,
      timers: systemTimers,
      now: () => new Date(),
    });

  it('the right password completes CredSSP (HYBRID, TSRequest version 6)', async () => {
    const r = await probe(nla, nla.user.password);
    expect(r.protocol === Protocol.HYBRID || r.protocol === Protocol.HYBRID_EX).toBe(true);
    expect(r.version).toBeGreaterThanOrEqual(2);
  });

  it('a wrong password is a logon failure', async () => {
    const e = await probe(nla, `${nla.user.password}x`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CredsspFailure);
    expect((e as CredsspFailure).outcome).toBe('logon-failure');
    messages.push((e as Error).message);
    // The server's own account of it (its log may reach us a moment after the close).
    await eventually(
      () => /MIC\) verification failed|authentication failure/.test(nla.log()),
      'the server logging the refusal',
    );
  });

  it('a TLS-only server is told apart: it does not offer NLA', async () => {
    const e = await probe(tlsOnly, tlsOnly.user.password).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NlaNotOfferedError);
    messages.push((e as Error).message);
  });
});
