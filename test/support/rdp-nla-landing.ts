// The NLA-behind-a-landing world the NLA tests share: FreeRDP's shadow server with `/sec:nla` in a
// network namespace only the landing sshd reaches, and a vault holding the landing account
// (`jump1`), the NLA desktop with its right password (`win01`) and with a wrong one (`winstale`),
// both behind the landing `dmz`. Its own file so the dialer test and the Chromium test build the
// same world one way; each adds what it drives the desktop with.
import type { Logger } from '../../core/index.ts';
import { createTopology, testRun, type Topology } from './netns.ts';
import { startShadowServer, type RdpTestServer } from './rdp-servers.ts';
import { createTestUser, startSshd, type SshdInstance, type TestUser } from './sshd.ts';
import { createTestVault, pw, type TestVault } from './vault.ts';

export interface NlaLanding {
  topo: Topology;
  v: TestVault;
  jump: TestUser;
  landing: SshdInstance;
  shadow: RdpTestServer;
  /** The vault's logger, writing to `logLines` (for what the test starts beside the vault). */
  logger: Logger;
}

export interface NlaLandingOptions {
  /** The landing server's login (a system user made for the test). */
  jumpUser: string;
  jumpPassword: string;
  /** The wrong password `winstale` holds. */
  stalePassword: string;
  /** Where the vault's log lines go (the canaries read them). */
  logLines: string[];
}

/**
 * `start()` builds the world; `stop()` takes down whatever of it was built, so it is safe in an
 * afterAll even when start failed half way.
 */
export function nlaLanding(o: NlaLandingOptions): { start(): Promise<NlaLanding>; stop(): Promise<void> } {
  const made: Partial<NlaLanding> = {};
  return {
    async start() {
      const jump = (made.jump = createTestUser(o.jumpUser, { password: o.jumpPassword }));
      const topo = (made.topo = await createTopology({
        nodes: ['dmz', 'dc'],
        links: [
          ['root', 'dmz'],
          ['dmz', 'dc'],
        ],
      }));
      const dc = topo.addr('dc', 'dmz');
      const [landing, shadow] = await Promise.all([
        startSshd({ netns: topo.ns('dmz'), address: topo.addr('dmz', 'root'), allowUsers: [jump.name] }),
        startShadowServer({ netns: topo.ns('dc'), address: dc, port: 3389, security: 'nla' }),
      ]);
      made.landing = landing;
      made.shadow = shadow;
      const logger = {
        log: (level: string, message: string, fields: unknown) =>
          o.logLines.push(JSON.stringify({ level, message, fields })),
      } as unknown as Logger;
      const v = (made.v = await createTestVault({ logger }));
      const h = v.host;
      await v.core.resources.create(h, {
        name: 'jump1',
        type: 'linux',
        dnsName: landing.host,
        port: landing.port,
      });
      await v.core.accounts.add(h, 'jump1', jump.name, pw(o.jumpPassword));
      for (const [name, password] of [
        ['win01', shadow.user.password],
        ['winstale', o.stalePassword],
      ] as const) {
        await v.core.resources.create(h, { name, type: 'windows-rdp', dnsName: dc, port: 3389 });
        await v.core.accounts.add(h, name, shadow.user.name, pw(password));
      }
      await v.core.landing.add(h, { name: 'dmz', primary: `jump1/${jump.name}` });
      for (const r of ['win01', 'winstale']) await v.core.landing.associate(h, 'dmz', r);
      return { topo, v, jump, landing, shadow, logger };
    },
    async stop() {
      await made.v?.close();
      await made.shadow?.stop().catch(() => undefined);
      await made.landing?.stop();
      made.topo?.destroy();
      made.jump?.remove();
      testRun().cleanup();
    },
  };
}
