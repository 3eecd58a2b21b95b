/**
 * NLA handshake figures against REAL FreeRDP shadow servers (test/support/rdp-servers.ts; needs
 * root and the Debian packages), one with `/sec:nla /sam-file:F` and one TLS-only, in the same run
 * on the same machine, ROUNDS connections each, as median and worst:
 *
 * - nla.credsspMs: TCP connected → CredSSP complete, through the standalone probe verification
 *   uses (X.224, TLS, NTLMv2 CredSSP; no desktop);
 * - nla.tlsUpMs / tls.tlsUpMs: TCP connected → TLS up (the engine's certificate check is called);
 * - nla.firstBitmapMs / tls.firstBitmapMs: TCP connected → the first bitmap of the desktop, through
 *   the gateway's RDP engine (NLA in its credssp hook for the first);
 * - nlaOverheadMs: the difference of the two first-bitmap medians.
 * Skipped, with the reason, where the servers cannot run.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Secret } from '../../core/index.ts';
import { systemTimers } from '../../core/timers.ts';
import { openRdpSession } from '../../gateway/connectors/rdp/engine.ts';
import { probeNla } from '../../reset/rdp-nla-probe.ts';
import {
  eventually,
  rdpServerSkipReason,
  startShadowServer,
  type RdpTestServer,
} from '../../test/support/rdp-servers.ts';
import type { RdpBenchSection } from './section.ts';

const ROUNDS = 8;

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    median: Math.round(s[Math.floor(s.length / 2)]! * 10) / 10,
    max: Math.round(s[s.length - 1]! * 10) / 10,
  };
};

async function dial(s: RdpTestServer): Promise<{ sock: net.Socket; t0: number }> {
  const sock = net.connect(s.port, s.host);
  await new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  return { sock, t0: performance.now() };
}

/** One engine session to the first bitmap: [TLS up, first bitmap] in ms after TCP connect. */
async function toFirstBitmap(s: RdpTestServer): Promise<[number, number]> {
  const { sock, t0 } = await dial(s);
  let tlsUp = 0;
  const session = await openRdpSession({
    stream: sock,
    host: s.host,
    port: s.port,
    size: { width: 1024, height: 768 },
    user: s.user.name,
    password: Secret.fromString(s.user.password),
    certificateCheck: async () => {
      tlsUp = performance.now() - t0;
    },
    timeoutMs: 15_000,
  });
  let first = 0;
  session.on('bitmap', () => (first ||= performance.now() - t0));
  try {
    await eventually(() => first > 0, 'a first bitmap', 15_000);
  } finally {
    session.close();
    await session.done;
  }
  return [tlsUp, first];
}

export const nlaSection: RdpBenchSection = {
  name: 'nla',
  async run(log) {
    const skip = rdpServerSkipReason('shadow');
    if (skip) return { nla: { skipped: skip } };
    const [nla, tls] = await Promise.all([startShadowServer({ security: 'nla' }), startShadowServer()]);
    try {
      const credssp: number[] = [];
      const runs = {
        nla: { tlsUp: [] as number[], first: [] as number[] },
        tls: { tlsUp: [] as number[], first: [] as number[] },
      };
      for (let i = 0; i < ROUNDS; i++) {
        const { sock, t0 } = await dial(nla);
        await probeNla(sock, {
          user: nla.user.name,
          domain: '',
          password: nla.user.password,
          timers: systemTimers,
          now: () => new Date(),
        });
        credssp.push(performance.now() - t0);
        for (const [name, server] of [
          ['nla', nla],
          ['tls', tls],
        ] as const) {
          const [tlsUp, first] = await toFirstBitmap(server);
          runs[name].tlsUp.push(tlsUp);
          runs[name].first.push(first);
        }
        log(`nla round ${i + 1}/${ROUNDS}`);
      }
      const nlaFirst = stats(runs.nla.first);
      const tlsFirst = stats(runs.tls.first);
      return {
        nla: {
          rounds: ROUNDS,
          server: 'freerdp-shadow-cli 2.11 on loopback',
          nla: { credsspMs: stats(credssp), tlsUpMs: stats(runs.nla.tlsUp), firstBitmapMs: nlaFirst },
          tls: { tlsUpMs: stats(runs.tls.tlsUp), firstBitmapMs: tlsFirst },
          nlaOverheadMs: Math.round((nlaFirst.median - tlsFirst.median) * 10) / 10,
        },
      };
    } finally {
      await Promise.all([nla.stop(), tls.stop()]);
    }
  },
};
