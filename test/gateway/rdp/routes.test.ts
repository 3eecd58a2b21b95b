// RDP through landing servers to REAL servers in a network namespace only the landing reaches:
// FreeRDP's shadow server and xrdp, each receiving typed keys and a click; then the failures, each
// one line with its code and an audit row: target down, landing down with no secondary (and
// failover to the secondary when there is one), a server offering only standard RDP security, a
// changed certificate. Canary: no password in any error, audit row or log line.
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustodyError, type Logger } from '../../../core/index.ts';
import { RdpConnector } from '../../../gateway/connectors/rdp/connector.ts';
import { RDP_CERTIFICATE_KEY_TYPE } from '../../../gateway/connectors/rdp/certificate.ts';
import { dialDesktop, type OpenedDesktop } from '../../../gateway/session/desktop-dial.ts';
import type { BitmapRect } from '../../../protocols/rdp/types.ts';
import { createTopology, netnsSkipReason, probeTcp, testRun, type Topology } from '../../support/netns.ts';
import { typeText } from '../../support/rdp-keys.ts';
import {
  CLICK_PAD,
  eventually,
  rdpServerSkipReason,
  startShadowServer,
  startXrdp,
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

const skip =
  netnsSkipReason() ?? sshdSkipReason() ?? rdpServerSkipReason('shadow') ?? rdpServerSkipReason('xrdp');
const JUMP_PW = 'Jm4%Rt8^Yu2*Pl6(Nb3c';

describe.skipIf(!!skip)(`RDP through landing servers${skip ? ` (${skip})` : ''}`, () => {
  let topo: Topology;
  let v: TestVault;
  let jump: TestUser;
  let landing: SshdInstance;
  let landingB: SshdInstance;
  const servers: Record<string, RdpTestServer> = {};
  const logLines: string[] = [];
  const errors: string[] = [];
  const connector = new RdpConnector();
  const accounts = new Map<string, string>();

  beforeAll(async () => {
    jump = createTestUser('rdpjump', { password: JUMP_PW });
    topo = await createTopology({
      nodes: ['dmz', 'dc'],
      links: [
        ['root', 'dmz'],
        ['dmz', 'dc'],
      ],
    });
    const dc = topo.addr('dc', 'dmz');
    [landing, landingB, servers.shadow, servers.legacy, servers.xrdp] = await Promise.all([
      startSshd({ netns: topo.ns('dmz'), address: topo.addr('dmz', 'root'), allowUsers: [jump.name] }),
      startSshd({
        netns: topo.ns('dmz'),
        address: topo.addr('dmz', 'root'),
        port: 2022,
        allowUsers: [jump.name],
      }),
      startShadowServer({ netns: topo.ns('dc'), address: dc, port: 3389 }),
      startShadowServer({ netns: topo.ns('dc'), address: dc, port: 3390, security: 'rdp' }),
      startXrdp({ netns: topo.ns('dc'), address: dc, port: 3391 }),
    ]);
    const logger: Logger = {
      log: (level, message, fields) => logLines.push(JSON.stringify({ level, message, fields })),
    } as Logger;
    v = await createTestVault({ logger });
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
      accounts.set(name, account);
    };
    const s = servers.shadow!;
    const x = servers.xrdp!;
    await res('jump1', 'linux', landing.host, landing.port, jump.name, JUMP_PW);
    await res('jump1b', 'linux', landingB.host, landingB.port, jump.name, JUMP_PW);
    await res('jumpx', 'linux', topo.unreachableAddress, 22, jump.name, JUMP_PW);
    await res('shadow01', 'windows-rdp', dc, 3389, s.user.name, s.user.password);
    await res('xrdp01', 'windows-rdp', dc, 3391, x.user.name, x.user.password);
    await res('legacy01', 'windows-rdp', dc, 3390, s.user.name, s.user.password);
    await res('down01', 'windows-rdp', dc, 3399, s.user.name, s.user.password);
    await res('cut01', 'windows-rdp', dc, 3389, s.user.name, s.user.password);
    await res('flaky01', 'windows-rdp', dc, 3389, s.user.name, s.user.password);
    await v.core.landing.add(h, {
      name: 'dmz',
      primary: `jump1/${jump.name}`,
      secondary: `jump1b/${jump.name}`,
    });
    await v.core.landing.add(h, { name: 'gone', primary: `jumpx/${jump.name}` });
    await v.core.landing.add(h, {
      name: 'flaky',
      primary: `jumpx/${jump.name}`,
      secondary: `jump1/${jump.name}`,
    });
    for (const r of ['shadow01', 'xrdp01', 'legacy01', 'down01']) await v.core.landing.associate(h, 'dmz', r);
    await v.core.landing.associate(h, 'gone', 'cut01');
    await v.core.landing.associate(h, 'flaky', 'flaky01');
  }, 120_000);

  afterAll(async () => {
    await v?.close();
    for (const s of Object.values(servers)) await s.stop().catch(() => undefined);
    await landing?.stop();
    await landingB?.stop();
    topo?.destroy();
    jump?.remove();
    testRun().cleanup();
  });

  const open = async (resource: string): Promise<OpenedDesktop> => {
    const account = accounts.get(resource)!;
    const grant = await v.core.sessions.authorize(v.host, `${resource}/${account}`);
    try {
      return await dialDesktop(v.core, grant, {
        connector,
        size: { width: 1024, height: 768 },
        timeoutMs: 8000,
      });
    } catch (e) {
      errors.push(e instanceof Error ? `${(e as CustodyError).code}: ${e.message}` : String(e));
      throw e;
    }
  };
  const refusal = async (resource: string): Promise<CustodyError> => {
    const e = await open(resource).then(
      () => {
        throw new Error(`${resource} opened`);
      },
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(CustodyError);
    const c = e as CustodyError;
    expect(c.message.split('\n')).toHaveLength(1);
    return c;
  };
  const refusedRows = async () =>
    (await v.core.audit.query(v.host, { type: 'session.refused', limit: 50 })).map(
      (r) => `${r.targetName} ${r.details}`,
    );

  it('the RDP servers cannot be reached except through the landing server', async () => {
    for (const port of [3389, 3390, 3391])
      expect(await probeTcp(topo.addr('dc', 'dmz'), port)).toBe('EHOSTUNREACH');
  });

  const drive = async (server: RdpTestServer, desktop: OpenedDesktop) => {
    const rects: BitmapRect[] = [];
    desktop.session.on('bitmap', (r) => rects.push(...r));
    await eventually(() => rects.length > 0, 'a first bitmap', 15_000);
    const file = `/tmp/${server.user.name}-${server.kind}-typed`;
    rmSync(file, { force: true });
    // xrdp starts the session's programs after the login: wait for the xterm before typing.
    let lastError = '';
    await eventually(
      () => {
        try {
          // By class: the shell's prompt (Debian's .bashrc) retitles the window.
          return server.onDisplay('xdotool', ['search', '--class', 'xterm']).trim() !== '';
        } catch (e) {
          lastError = String((e as { stderr?: unknown }).stderr ?? e);
          return false;
        }
      },
      () =>
        `the xterm on the desktop of ${server.kind} (${lastError.trim()}; log: ${server.log().slice(-1000)})`,
      20_000,
    );
    desktop.session.input({ kind: 'move', x: 300, y: 250 });
    for (const ev of typeText(`touch ${file}\n`)) desktop.session.input(ev);
    await eventually(() => existsSync(file), `${file} created by the typed command`, 15_000);
    rmSync(file, { force: true });
    const at = { x: CLICK_PAD.x + 30, y: CLICK_PAD.y + 40 };
    desktop.session.input({ kind: 'move', ...at });
    desktop.session.input({ kind: 'button', button: 1, down: true, ...at });
    desktop.session.input({ kind: 'button', button: 1, down: false, ...at });
    await eventually(
      () => server.clicks().some((c) => c.startsWith('ButtonRelease button 1')),
      'the click on the pad',
    );
    return rects;
  };

  it('freerdp-shadow through the landing: TLS pinned on first use, bitmaps, typed keys, a click', async () => {
    const desktop = await open('shadow01');
    try {
      expect(desktop.landings).toEqual(['dmz (primary jump1)']);
      expect(desktop.session.protocol).toBe('ssl');
      const rects = await drive(servers.shadow!, desktop);
      expect(rects.some((r) => r.compressed)).toBe(true);
    } finally {
      desktop.close();
    }
    expect((await desktop.session.done).reason).toBe('closed');
    const pins = await v.core.hostKeys.show(v.host, 'shadow01');
    expect(pins.map((p) => [p.keyType, p.fingerprint])).toEqual([
      [RDP_CERTIFICATE_KEY_TYPE, servers.shadow!.certificateFingerprint],
    ]);
  }, 60_000);

  it('xrdp (xorgxrdp, security_layer=tls) through the landing: bitmaps, typed keys, a click', async () => {
    const desktop = await open('xrdp01');
    try {
      await drive(servers.xrdp!, desktop);
    } finally {
      desktop.close();
    }
    expect((await desktop.session.done).reason).toBe('closed');
  }, 90_000);

  it('a target that is down: one line, E_TARGET, an audit row', async () => {
    const e = await refusal('down01');
    expect(e.code).toBe('E_TARGET');
    expect(e.message).toMatch(/^target down01\/\S+ refused the connection \(from landing server dmz\)$/);
    expect(
      (await refusedRows()).some((r) => r.startsWith('down01/') && r.includes('refused the connection')),
    ).toBe(true);
  });

  it('a landing server that is down with no secondary: one line naming it, E_TARGET, an audit row', async () => {
    const e = await refusal('cut01');
    expect(e.code).toBe('E_TARGET');
    expect(e.message).toMatch(
      /^landing server gone \(primary jumpx\) unreachable \(no route to host\); secondary not configured$/,
    );
    expect(
      (await refusedRows()).some((r) => r.startsWith('cut01/') && r.includes('secondary not configured')),
    ).toBe(true);
  });

  it('fails over to the secondary landing server, and audits why the primary failed', async () => {
    const desktop = await open('flaky01');
    try {
      expect(desktop.landings).toEqual(['flaky (secondary jump1)']);
      const rects: BitmapRect[] = [];
      desktop.session.on('bitmap', (r) => rects.push(...r));
      await eventually(() => rects.length > 0, 'a bitmap through the secondary');
    } finally {
      desktop.close();
    }
    expect((await refusedRows()).some((r) => r.startsWith('flaky01/') && r.includes('"failover":true'))).toBe(
      true,
    );
  }, 60_000);

  it('a server offering only standard RDP security: refused with one line, E_TARGET, an audit row', async () => {
    const e = await refusal('legacy01');
    expect(e.code).toBe('E_TARGET');
    expect(e.details.reason).toBe('standard-security');
    expect(e.message).toMatch(/offers only standard RDP security/);
    expect(
      (await refusedRows()).some((r) => r.startsWith('legacy01/') && r.includes('standard RDP security')),
    ).toBe(true);
  });

  it('a changed certificate is refused before the login, with one line, E_HOST_KEY and audit rows, until accepted', async () => {
    const before = servers.shadow!.certificateFingerprint;
    const after = await servers.shadow!.rotateCertificate();
    expect(after).not.toBe(before);
    const e = await refusal('shadow01');
    expect(e.code).toBe('E_HOST_KEY');
    expect(e.message).toBe(
      `TLS certificate of RDP server 'shadow01' changed (expected ${before}, got ${after}): refusing to connect`,
    );
    const mismatch = await v.core.audit.query(v.host, { type: 'host-key.mismatch', limit: 5 });
    expect(
      mismatch.some((r) => r.details.includes(after) && r.details.includes(RDP_CERTIFICATE_KEY_TYPE)),
    ).toBe(true);
    expect(
      (await refusedRows()).some((r) => r.startsWith('shadow01/') && r.includes('TLS certificate')),
    ).toBe(true);

    // An administrator who checked the new certificate accepts it by its fingerprint, as for an
    // SSH host key: the next connection gets in and pins it.
    await v.core.hostKeys.accept(v.host, 'shadow01', after);
    const desktop = await open('shadow01');
    try {
      const rects: BitmapRect[] = [];
      desktop.session.on('bitmap', (r) => rects.push(...r));
      await eventually(() => rects.length > 0, 'a bitmap once the new certificate is accepted');
    } finally {
      desktop.close();
    }
    const recorded = await v.core.audit.query(v.host, { type: 'host-key.recorded', limit: 10 });
    expect(recorded.some((r) => r.targetName === 'shadow01' && r.details.includes(after))).toBe(true);
  }, 60_000);

  it('canary: no target or landing password in any error, audit row or log line', async () => {
    const audit = JSON.stringify(await v.core.audit.query(v.host, { limit: 5000 }));
    const passwords = [JUMP_PW, servers.shadow!.user.password, servers.xrdp!.user.password];
    expect(errors.length).toBeGreaterThanOrEqual(4);
    for (const p of passwords) {
      expect(audit).not.toContain(p);
      for (const line of [...errors, ...logLines]) expect(line).not.toContain(p);
    }
  });
});
