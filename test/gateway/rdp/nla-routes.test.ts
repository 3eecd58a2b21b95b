// NLA through a landing server: FreeRDP's shadow server with `/sec:nla /sam-file:F` in a network
// namespace that only the landing sshd reaches. The vaulted password logs in with CredSSP and the
// desktop's first bitmap arrives; a wrong stored password is refused with the one "logon failure"
// line (E_TARGET, reason logon-failure) and a session.refused audit row, and no desktop is
// opened. Canary: no password in any error, audit row or log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustodyError } from '../../../core/index.ts';
import { RdpConnector } from '../../../gateway/connectors/rdp/connector.ts';
import { dialDesktop } from '../../../gateway/session/desktop-dial.ts';
import type { BitmapRect } from '../../../protocols/rdp/types.ts';
import { netnsSkipReason, probeTcp, type Topology } from '../../support/netns.ts';
import { nlaLanding } from '../../support/rdp-nla-landing.ts';
import { eventually, rdpServerSkipReason, type RdpTestServer } from '../../support/rdp-servers.ts';
import { sshdSkipReason } from '../../support/sshd.ts';
import type { TestVault } from '../../support/vault.ts';

const skip = netnsSkipReason() ?? sshdSkipReason() ?? rdpServerSkipReason('shadow');
const JUMP_PW = 'Jn5%Ru7^Yv3*Pk8(Nc4d';
const STALE_PW = 'Stale#Vault-Pass-5521!';

describe.skipIf(!!skip)(`NLA through a landing server${skip ? ` (${skip})` : ''}`, () => {
  let topo: Topology;
  let v: TestVault;
  let shadow: RdpTestServer;
  const logLines: string[] = [];
  const errors: string[] = [];

  const world = nlaLanding({
    jumpUser: 'nlajump',
    jumpPassword: JUMP_PW,
    stalePassword: STALE_PW,
    logLines,
  });

  beforeAll(async () => {
    ({ topo, v, shadow } = await world.start());
  }, 120_000);

  afterAll(() => world.stop());

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
