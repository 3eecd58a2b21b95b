// Resets through landing servers, in network namespaces like test/e2e/landing-routes.test.ts:
// the targets live in `dc`, reachable only from the landing host in `dmz`. The reset takes the
// same route as a gateway session (core routeTo + the gateway hop chain, injected by cli/ as the
// route dialer), with primary → secondary failover. Proof: the target is unreachable from this
// process; after the reset, SSH through the landing logs in with the new password, not the old.
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayRouteDialer } from '../../cli/route-dialer.ts';
import { ResetEngine, type TargetError } from '../../core/index.ts';
import { resetConnectorsFor } from '../../reset/index.ts';
import { createTopology, netnsSkipReason, probeTcp, testRun, type Topology } from '../support/netns.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { startTelnetd, telnetdSkipReason, type TelnetdInstance } from '../support/telnetd.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { startIosStandIn, type IosStandIn } from '../support/ios-device-stand-in.ts';
import { expectNoCanary } from './fixtures.ts';
import { vaultHas as storedPassword } from './vault-probe.ts';
import { contextOf, CoreContext } from '../support/core-internals.ts';

const skip = netnsSkipReason() ?? sshdSkipReason();
const telnetSkip = telnetdSkipReason();
const TARGET_PW = 'Tg7#Kp2$Wm9!Lq4&Zx5r';
const JUMP_PW = 'Jm4%Rt8^Yu2*Pl6(Nb3r';
const REAL = resetConnectorsFor();

/** SSH login to host:port as seen from the landing host: true accepted, false refused. */
function loginViaLanding(
  jump: { host: string; port: number; user: string },
  host: string,
  user: string,
  password: string,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const hop = new ssh2.Client();
    hop.on('error', reject);
    hop.on('ready', () => {
      hop.forwardOut('127.0.0.1', 0, host, 22, (err, ch) => {
        if (err) return reject(err);
        const c = new ssh2.Client();
        c.on('ready', () => {
          c.end();
          hop.end();
          resolve(true);
        });
        c.on('error', (e: Error & { level?: string }) => {
          hop.end();
          if (e.level === 'client-authentication') resolve(false);
          else reject(e);
        });
        c.connect({ sock: ch, username: user, password, readyTimeout: 10_000, tryKeyboard: false });
      });
    });
    hop.connect({
      host: jump.host,
      port: jump.port,
      username: jump.user,
      password: JUMP_PW,
      readyTimeout: 10_000,
    });
  });
}

describe.skipIf(!!skip)(
  `resets through landing servers (network namespaces)${skip ? ` (${skip})` : ''}`,
  () => {
    let topo: Topology;
    let v: TestVault;
    let ctx: CoreContext;
    let op: TestUser;
    let jump: TestUser;
    const d: Record<string, SshdInstance> = {};
    let telnetd: TelnetdInstance | undefined;
    let device: IosStandIn;
    const lines: string[] = [];
    const jump1 = () => ({ host: topo.addr('dmz', 'root'), port: 22, user: jump.name });

    const vaultHas = (ref: string): Promise<string> => {
      const [rn, an] = ref.split('/') as [string, string];
      return storedPassword(v, rn, an);
    };
    const audits = async (type: string) =>
      (await v.core.audit.query(v.host, { type, limit: 100 })).map((r) => ({
        target: r.targetName,
        result: r.result,
        details: JSON.parse(r.details) as Record<string, unknown>,
      }));

    beforeAll(async () => {
      op = createTestUser('rlop', { password: TARGET_PW });
      jump = createTestUser('rljump', { password: JUMP_PW });
      topo = await createTopology({
        nodes: ['dmz', 'dc'],
        links: [
          ['root', 'dmz'],
          ['dmz', 'dc'],
        ],
      });
      const allowUsers = [op.name, jump.name];
      [d.dmz, d.dc] = await Promise.all([
        startSshd({ netns: topo.ns('dmz'), address: topo.addr('dmz', 'root'), allowUsers }),
        startSshd({ netns: topo.ns('dc'), address: topo.addr('dc', 'dmz'), allowUsers }),
      ]);
      if (!telnetSkip)
        telnetd = await startTelnetd({ netns: topo.ns('dc'), address: topo.addr('dc', 'dmz') });
      // The device stand-in runs in this process: it listens on the root namespace's address on the
      // link to dmz, so the landing host can reach it (the test checks the connection came from dmz).
      device = await startIosStandIn(
        { alice: TARGET_PW, netops: JUMP_PW },
        { enableSecret: 'En4%Rt8^Yu2*Pl6(Nb3e', host: topo.addr('root', 'dmz') },
      );
      v = await createTestVault();
      const { createStreamLogger } = await import('../../core/index.ts');
      ctx = new CoreContext({
        ...contextOf(v.core).deps,
        routeDialer: gatewayRouteDialer,
        logger: createStreamLogger((l) => void lines.push(l)),
      });
      const h = v.host;
      const res = async (
        name: string,
        type: string,
        host: string,
        port: number,
        account: string,
        password: string,
      ) => {
        await v.core.resources.create(h, { name, type, dnsName: host, port });
        await v.core.accounts.add(h, name, account, pw(password));
      };
      await res('jump1', 'linux', topo.addr('dmz', 'root'), 22, jump.name, JUMP_PW);
      await res('jumpx', 'linux', topo.unreachableAddress, 22, jump.name, JUMP_PW);
      await res('dc01', 'linux', topo.addr('dc', 'dmz'), 22, op.name, TARGET_PW);
      await res('dc02', 'linux', topo.addr('dc', 'dmz'), 22, op.name, TARGET_PW);
      await res('dc03', 'linux', topo.addr('dc', 'dmz'), 22, op.name, TARGET_PW);
      if (telnetd) await res('tn01', 'telnet-device', telnetd.host, telnetd.port, op.name, TARGET_PW);
      await res('sw01', 'cisco-ios', topo.addr('root', 'dmz'), device.sshPort, 'alice', TARGET_PW);
      await v.core.accounts.add(h, 'sw01', 'netops', pw(JUMP_PW));
      await v.core.accounts.add(h, 'sw01', 'enable', pw('En4%Rt8^Yu2*Pl6(Nb3e'));
      await v.core.resetSettings.configure(h, 'sw01', { login: 'netops', enable: 'enable' });
      await v.core.landing.add(h, { name: 'dmz', primary: `jump1/${jump.name}` });
      await v.core.landing.add(h, {
        name: 'flaky',
        primary: `jumpx/${jump.name}`,
        secondary: `jump1/${jump.name}`,
      });
      await v.core.landing.add(h, { name: 'gone', primary: `jumpx/${jump.name}` });
      await v.core.landing.associate(h, 'dmz', 'dc01');
      await v.core.landing.associate(h, 'dmz', 'sw01');
      if (telnetd) await v.core.landing.associate(h, 'dmz', 'tn01');
      await v.core.landing.associate(h, 'flaky', 'dc02');
      await v.core.landing.associate(h, 'gone', 'dc03');
    }, 120_000);

    afterAll(async () => {
      await v?.close();
      for (const s of Object.values(d)) await s?.stop().catch(() => undefined);
      await telnetd?.stop().catch(() => undefined);
      topo?.destroy();
      op?.remove();
      jump?.remove();
      testRun().cleanup();
    });

    it('the target cannot be reached from this process, only from the landing host', async () => {
      expect(await probeTcp(topo.addr('dc', 'dmz'), 22)).toBe('EHOSTUNREACH');
      expect(await loginViaLanding(jump1(), topo.addr('dc', 'dmz'), op.name, TARGET_PW)).toBe(true);
    });

    it('SSH reset through one landing server: the new password logs in through the landing, the old one is refused; no canary anywhere', async () => {
      const canary = 'Cn4ry#Hop-Pw!x9Lq2Vt';
      await new ResetEngine(ctx, REAL).resetAccount(v.host, `dc01/${op.name}`, { newPassword: pw(canary) });
      expect(await vaultHas(`dc01/${op.name}`)).toBe(canary);
      expect(await loginViaLanding(jump1(), topo.addr('dc', 'dmz'), op.name, canary)).toBe(true);
      expect(await loginViaLanding(jump1(), topo.addr('dc', 'dmz'), op.name, TARGET_PW)).toBe(false);
      // The landing's and the target's host keys were pinned like a session's.
      expect((await audits('host-key.recorded')).map((a) => a.target).sort()).toEqual(['dc01', 'jump1']);
      await expectNoCanary(v, lines, canary);
    }, 60_000);

    it('network-device reset through the landing server: the device sees the connection come from the landing host', async () => {
      await new ResetEngine(ctx, REAL).resetAccount(v.host, 'sw01/alice');
      const now = await vaultHas('sw01/alice');
      expect(device.running.get('alice')).toBe(now);
      expect(device.peers).toEqual([topo.addr('dmz', 'root')]);
    }, 60_000);

    it('primary landing down: the secondary is used, the failover is audited, and the reset succeeds', async () => {
      // dc02 is the same host as dc01, whose password the previous test changed.
      const before = await vaultHas(`dc01/${op.name}`);
      await v.core.accounts.changePassword(v.host, `dc02/${op.name}`, pw(before));
      await new ResetEngine(ctx, REAL).resetAccount(v.host, `dc02/${op.name}`);
      const now = await vaultHas(`dc02/${op.name}`);
      expect(await loginViaLanding(jump1(), topo.addr('dc', 'dmz'), op.name, now)).toBe(true);
      expect(await loginViaLanding(jump1(), topo.addr('dc', 'dmz'), op.name, before)).toBe(false);
      expect(await audits('password.reset-failover')).toEqual([
        expect.objectContaining({
          target: `dc02/${op.name}`,
          details: expect.objectContaining({ landing: 'flaky', role: 'primary', resource: 'jumpx' }),
        }),
      ]);
      // Bring dc01's vault copy back in line with the host both resources name.
      await v.core.accounts.changePassword(v.host, `dc01/${op.name}`, pw(now));
    }, 60_000);

    it('landing server down with no secondary: unreachable, the vault keeps its password, the audit names the landing', async () => {
      const before = await vaultHas(`dc03/${op.name}`);
      const err = await new ResetEngine(ctx, REAL)
        .resetAccount(v.host, `dc03/${op.name}`)
        .catch((e: TargetError) => e);
      expect((err as TargetError).details).toMatchObject({ reason: 'unreachable' });
      expect((err as TargetError).message).toMatch(/landing server gone/);
      expect(await vaultHas(`dc03/${op.name}`)).toBe(before);
      const [fail] = await audits('password.reset-fail');
      expect(fail?.details).toMatchObject({ reason: 'unreachable' });
      expect(String(fail?.details.message)).toMatch(/landing server gone/);
    }, 60_000);

    it('a route but no dialer wired, or a connector that cannot use the route: refused before the target is touched (never bypasses the landing servers)', async () => {
      const err = await new ResetEngine(contextOf(v.core), REAL)
        .resetAccount(v.host, `dc01/${op.name}`)
        .catch((e: Error) => e);
      expect((err as Error).message).toMatch(
        /reached through landing servers, and this node has no landing dialer/,
      );
      expect(await contextOf(v.core).store.read((r) => r.pendingResets.all())).toEqual([]);
      // A connector that would dial directly (no landingRoutes) is refused too.
      let called = false;
      const direct = { unix: { change: async () => void (called = true) } };
      const err2 = await new ResetEngine(ctx, direct)
        .resetAccount(v.host, `dc01/${op.name}`)
        .catch((e: Error) => e);
      expect((err2 as Error).message).toMatch(/which its reset connector cannot use/);
      expect(called).toBe(false);
    });

    it.skipIf(!!telnetSkip)(
      `Telnet reset through the landing server${telnetSkip ? ` (${telnetSkip})` : ''}`,
      async () => {
        const current = await vaultHas(`dc01/${op.name}`);
        await v.core.accounts.changePassword(v.host, `tn01/${op.name}`, pw(current));
        await new ResetEngine(ctx, REAL).resetAccount(v.host, `tn01/${op.name}`);
        const now = await vaultHas(`tn01/${op.name}`);
        expect(await loginViaLanding(jump1(), topo.addr('dc', 'dmz'), op.name, now)).toBe(true);
        expect(await loginViaLanding(jump1(), topo.addr('dc', 'dmz'), op.name, current)).toBe(false);
      },
      60_000,
    );
  },
);
