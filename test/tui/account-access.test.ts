// Account detail and access control in the console (headless terminal, timers moved by hand):
// reveal hidden again, OSC 52 copy cleared, reasons asked when the settings require them, launch
// in place, and the request → approve → check out → check in loop across two consoles.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '../../core/index.ts';
import { KEYS, manualTimers, openConsole } from '../support/console-harness.ts';
import { createTestVault, pw, refresh, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const CANARY = 'Cn4ry#Detail-9qZ!x';
const osc52 = (text: string) => `\x1b]52;c;${Buffer.from(text).toString('base64')}\x07`;

describe('console: account detail and access', () => {
  let v: TestVault;
  let alice: Actor;
  let carol: Actor;
  let approver: Actor;

  beforeAll(async () => {
    v = await createTestVault({ extraConfig: { vault: { require_reason_to_reveal: false } } });
    await v.core.resources.create(v.host, { name: 'web01', type: 'linux', dnsName: 'web01.example' });
    await v.core.accounts.add(v.host, 'web01', 'deploy', pw(CANARY));
    await v.core.resources.create(v.host, { name: 'db01', type: 'linux', dnsName: 'db01.example' });
    await v.core.accounts.add(v.host, 'db01', 'dba', pw(CANARY));
    alice = await v.addUser('alice', 'password-user');
    carol = await v.addUser('carol', 'password-user');
    approver = await v.addUser('approver', 'password-admin');
    for (const [ref, who] of [
      ['web01/deploy', 'alice'],
      ['db01/dba', 'carol'],
    ] as const)
      await v.core.sharing.grant(v.host, { kind: 'account', name: ref }, { kind: 'user', name: who }, 'view');
    await v.core.sharing.grant(
      v.host,
      { kind: 'resource', name: 'db01' },
      { kind: 'user', name: 'approver' },
      'manage',
    );
    await v.core.access.configure(v.host, 'db01', { approvers: ['approver'] });
    approver = await refresh(v, approver);
  });
  afterAll(async () => v.close());

  it('reveals the password, hides it again after reveal_seconds, copies with OSC 52 and clears it', async () => {
    const timers = manualTimers();
    const c = await openConsole(v.core, alice, {
      options: { timers, settings: { revealSeconds: 10, clipboardClearSeconds: 30 } },
    });
    try {
      await c.showAll();
      await c.press(...'deploy');
      await c.waitFor('› web01/deploy');
      await c.press(KEYS.enter);
      const detail = await c.waitFor(/Password\s+•+/);
      expect(detail).not.toContain(CANARY);
      await c.press('r');
      await c.waitFor(CANARY);
      timers.advance(9_000);
      await new Promise((r) => setTimeout(r, 50));
      expect(c.frame()).toContain(CANARY);
      timers.advance(1_000);
      await c.waitForGone(CANARY);
      await c.press('y');
      await c.waitFor('copied to your clipboard');
      expect(c.written()).toContain(osc52(CANARY));
      expect(c.written()).not.toContain(osc52(''));
      timers.advance(30_000);
      await new Promise((r) => setTimeout(r, 50));
      expect(c.written()).toContain(osc52(''));
      // Each retrieval is audited as a password access by alice.
      const rows = await v.core.audit.query(v.host, { type: 'password.access', actor: 'alice', limit: 10 });
      expect(rows.length).toBe(2);
      expect(JSON.stringify(rows)).not.toContain(CANARY);
    } finally {
      await c.close();
    }
  });

  it('a view-only user opening an account is not asked for the history she may not read', async () => {
    const dave = await v.addUser('dave', 'password-user');
    await v.core.sharing.grant(
      v.host,
      { kind: 'account', name: 'web01/deploy' },
      { kind: 'user', name: 'dave' },
      'view',
    );
    const log = vi.spyOn(contextOf(v.core).deps.logger, 'log');
    const c = await openConsole(v.core, dave);
    try {
      await c.showAll();
      await c.press(...'deploy');
      await c.waitFor('› web01/deploy');
      await c.press(KEYS.enter);
      await c.waitFor('Password history: not permitted');
      const denied = await v.core.audit.query(v.host, { type: 'authz.denied', actor: 'dave', limit: 10 });
      expect(denied).toEqual([]);
      const warned = log.mock.calls.filter(
        ([level, , fields]) => level === 'warn' && fields?.actor === 'dave',
      );
      expect(warned).toEqual([]);
    } finally {
      log.mockRestore();
      await c.close();
    }
  });

  it('c connects in place and the console comes back when the session ends', async () => {
    const c = await openConsole(v.core, alice, {
      launch: async (_ref, terminal) => {
        terminal.write('\x1b[H\x1b[2Jremote$ pretend session\r\n');
        await new Promise((r) => setTimeout(r, 100));
        return 0;
      },
    });
    try {
      await c.showAll();
      await c.waitFor('› web01/deploy');
      await c.press(KEYS.enter);
      await c.waitFor(/Password\s+•+/);
      await c.press('c');
      await c.waitFor('session to web01/deploy ended');
      expect(c.launches).toEqual(['web01/deploy']);
      expect(c.frame()).not.toContain('pretend session');
    } finally {
      await c.close();
    }
  });

  it('asks for a reason when the settings require one, and refuses without it', async () => {
    const strict = await createTestVault({ extraConfig: { vault: { require_reason_to_reveal: true } } });
    try {
      await strict.core.resources.create(strict.host, {
        name: 'web01',
        type: 'linux',
        dnsName: 'web01.example',
      });
      await strict.core.accounts.add(strict.host, 'web01', 'deploy', pw(CANARY));
      const c = await openConsole(strict.core, strict.host);
      try {
        await c.showAll();
        await c.waitFor('› web01/deploy');
        await c.press(KEYS.enter);
        await c.waitFor(/Password\s+•+/);
        await c.press('r');
        await c.waitFor('Reason to retrieve the password:');
        await c.press(KEYS.enter);
        await c.waitFor('a reason is required');
        expect(c.frame()).not.toContain(CANARY);
        await c.press('r', ...'INC-77', KEYS.enter);
        await c.waitFor(CANARY);
        const [row] = await strict.core.audit.query(strict.host, { type: 'password.access', limit: 1 });
        expect(JSON.parse(row!.details)).toMatchObject({ reason: 'INC-77' });
      } finally {
        await c.close();
      }
    } finally {
      await strict.close();
    }
  });

  it('request with a reason, approve from the inbox, check out, check in', async () => {
    const op = await openConsole(v.core, carol);
    const adm = await openConsole(v.core, approver);
    try {
      await op.showAll();
      await op.press(...'dba');
      await op.waitFor('› db01/dba');
      await op.press(KEYS.enter);
      await op.waitFor(/Password\s+•+/);
      // Before approval the vault refuses, and the console says why.
      await op.press('r');
      await op.waitFor(/\(E_[A-Z_]+\)/);
      expect(op.frame()).not.toContain(CANARY);
      // Typed straight after 'a', before the prompt is drawn: 'q' and '?' are text, not quit/help.
      await op.press('a', ...'quick patch?', KEYS.enter);
      await op.waitFor('waiting for approval');
      await op.waitFor(/Access request\s+waiting/);

      await adm.waitFor('Custody · approver');
      await adm.press(KEYS.tab);
      await adm.waitFor('My requests');
      // Under load the first → can come before the screen listens: press again until it switches.
      for (let i = 0; i < 5 && !/Inbox\s+a approve/.test(adm.frame()); i++) {
        await adm.press(KEYS.right);
        await adm.waitFor(/Inbox\s+a approve/, 2000).catch(() => undefined);
      }
      await adm.waitFor(/› db01\/dba\s+waiting for approval\s+by carol: quick patch\?/);
      await adm.press('a');
      await adm.waitFor(/request .* approved/);

      await op.press(KEYS.escape, KEYS.tab);
      await op.waitFor(/› db01\/dba\s+approved, yet to use/);
      await op.press('o');
      await op.waitFor('db01/dba checked out');
      await op.waitFor(/in use \(checked out\)/);
      await op.press('i');
      await op.waitFor('db01/dba checked in');
      const types = (await v.core.audit.query(v.host, { type: 'access.', limit: 20 })).map((r) => r.type);
      expect(types).toEqual(
        expect.arrayContaining(['access.request', 'access.approve', 'access.checkout', 'access.checkin']),
      );
    } finally {
      await op.close();
      await adm.close();
    }
  });
});
