// NLA through a landing server: FreeRDP's shadow server with `/sec:nla /sam-file:F` in a network
// namespace that only the landing sshd reaches. The vaulted password logs in with CredSSP and the
// desktop's first bitmap arrives; a wrong stored password is refused with the one "logon failure"
// line (E_TARGET, reason logon-failure) and a session.refused audit row, and no desktop is
// opened. Canary: no password in any error, audit row or log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustodyError, type Logger } from '../../../core/index.ts';
import { RdpConnector } from '../../../gateway/connectors/rdp/connector.ts';
import { dialDesktop } from '../../../gateway/session/desktop-dial.ts';
import type { BitmapRect } from '../../../protocols/rdp/types.ts';
import { createTopology, netnsSkipReason, probeTcp, testRun, type Topology } from '../../support/netns.ts';
import {
  eventually,
  rdpServerSkipReason,
  startShadowServer,
  type RdpTestServer,
} from '../../support/rdp-servers.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../../support/sshd.ts';
import { createTestVault, pw, type TestVault } from '../../support/vault.ts';

const skip = netnsSkipReason() ?? sshdSkipReason() ?? rdpServerSkipReason('shadow');
const JUMP_PW = 'Jn5%Ru7^Yv3*Pk8(Nc4d';
const STALE_PW = 'Stale#Vault-Pass-5521!';

describe.skipIf(!!skip)(`NLA through a landing server${skip ? ` (${skip})` : ''}`, () => {
  let topo: Topology;
  let v: TestVault;
  let jump: TestUser;
  let landing: SshdInstance;
  let shadow: RdpTestServer;
  const logLines: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    jump = createTestUser('nlajump', { password: JUMP_PW });
    topo = await createTopology({
      nodes: ['dmz', 'dc'],
      links: [
        ['root', 'dmz'],
        ['dmz', 'dc'],
      ],
    });
    const dc = topo.addr('dc', 'dmz');
    [landing, shadow] = await Promise.all([
      startSshd({ netns: topo.ns('dmz'), address: topo.addr('dmz', 'root'), allowUsers: [jump.name] }),
      startShadowServer({ netns: topo.ns('dc'), address: dc, port: 3389, security: 'nla' }),
    ]);
    const logger = {
      log: (level: string, message: string, fields: unknown) =>
        logLines.push(JSON.stringify({ level, message, fields })),
    } as unknown as Logger;
    v = await createTestVault({ logger });
    const h = v.host;
    await v.core.resources.create(h, {
      name: 'jump1',
      type: 'linux',
      dnsName: landing.host,
      port: landing.port,
    });
    await v.core.accounts.add(h, 'jump1', jump.name, pw(JUMP_PW));
    for (const [name, password] of [
      ['win01', shadow.user.password],
      ['winstale', STALE_PW],
    ] as const) {
      await v.core.resources.create(h, { name, type: 'windows-rdp', dnsName: dc, port: 3389 });
      await v.core.accounts.add(h, name, shadow.user.name, pw(password));
    }
    await v.core.landing.add(h, { name: 'dmz', primary: `jump1/${jump.name}` });
    for (const r of ['win01', 'winstale']) await v.core.landing.associate(h, 'dmz', r);
  }, 120_000);

  afterAll(async () => {
    await v?.close();
    await shadow?.stop().catch(() => undefined);
    await landing?.stop();
    topo?.destroy();
    jump?.remove();
    testRun().cleanup();
  });

  const open = async (resource: string) => {
    const grant = await v.core.sessions.authorize(v.host, `${resource}/${shadow.user.name}`);
    try {
      return await dialDesktop(v.core, grant, {
        connector: new RdpConnector(),
        size: { width: 1024, height: 768 },
        timeoutMs: 10_000,
      });
    } catch (e) {
      errors.push(e instanceof CustodyError ? `${e.code}: ${e.message}` : String(e));
      throw e;
    }
  };

  it('the NLA server is reachable only through the landing server', async () => {
    expect(await probeTcp(topo.addr('dc', 'dmz'), 3389)).toBe('EHOSTUNREACH');
  });

  it('the vaulted password logs in with NLA through the landing and the first bitmap arrives', async () => {
    const desktop = await open('win01');
    try {
      expect(desktop.landings).toEqual(['dmz (primary jump1)']);
      expect(desktop.session.protocol).toMatch(/^hybrid/);
      const rects: BitmapRect[] = [];
      desktop.session.on('bitmap', (r) => rects.push(...r));
      await eventually(() => rects.length > 0, 'a first bitmap', 15_000);
    } finally {
      desktop.close();
    }
    expect((await desktop.session.done).reason).toBe('closed');
  }, 60_000);

  it('a wrong stored password: the logon failure line, E_TARGET, a session.refused row, no desktop', async () => {
    const e = await open('winstale').then(
      () => {
        throw new Error('winstale opened a desktop');
      },
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(CustodyError);
    const c = e as CustodyError;
    expect(c.code).toBe('E_TARGET');
    expect(c.details.reason).toBe('logon-failure');
    expect(c.message).toMatch(
      /^RDP server winstale\S* refused the NLA login: logon failure \(wrong user name or password\)$/,
    );
    const rows = (await v.core.audit.query(v.host, { type: 'session.refused', limit: 20 })).filter((r) =>
      r.targetName.startsWith('winstale/'),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.details).toContain('logon failure');
    expect(rows[0]!.details).toContain('"failure":"logon-failure"');
    expect(rows[0]!.result).toBe('failure');
  }, 60_000);

  it('canary: no password in any error, audit row or log line', async () => {
    const audit = JSON.stringify(await v.core.audit.query(v.host, { limit: 5000 }));
    expect(errors.length).toBeGreaterThanOrEqual(1);
    for (const p of [JUMP_PW, shadow.user.password, STALE_PW]) {
      expect(audit).not.toContain(p);
      for (const line of [...errors, ...logLines]) expect(line).not.toContain(p);
    }
  });
});
