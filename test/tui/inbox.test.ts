// The Access screen's Inbox and My requests in the console (headless terminal): force check-in
// asks "yes" and a reason and hands the reason to core's audit row; requests show dual-approval
// progress and who rejected them and why; account detail shows the newest request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../core/index.ts';
import { KEYS, openConsole } from '../support/console-harness.ts';
import { createTestVault, pw, refresh, type TestVault } from '../support/vault.ts';

describe('console: the access inbox', () => {
  let v: TestVault;
  let carol: Actor;
  let boss: Actor;
  let boss2: Actor;

  beforeAll(async () => {
    v = await createTestVault({ extraConfig: { vault: { require_reason_to_reveal: false } } });
    carol = await v.addUser('carol', 'password-user');
    boss = await v.addUser('boss', 'password-admin');
    boss2 = await v.addUser('boss2', 'password-admin');
    for (const name of ['db01', 'db02']) {
      await v.core.resources.create(v.host, { name, type: 'linux', dnsName: `${name}.example` });
      await v.core.accounts.add(v.host, name, 'dba', pw('Xq7#kT!wm2Rv@9Ln'));
      await v.core.sharing.grant(
        v.host,
        { kind: 'account', name: `${name}/dba` },
        { kind: 'user', name: 'carol' },
        'view',
      );
      for (const who of ['boss', 'boss2'])
        await v.core.sharing.grant(v.host, { kind: 'resource', name }, { kind: 'user', name: who }, 'manage');
    }
    await v.core.access.configure(v.host, 'db01', { approvers: ['boss'] });
    await v.core.access.configure(v.host, 'db02', { approvers: ['boss', 'boss2'], dual: true });
    boss = await refresh(v, boss);
    boss2 = await refresh(v, boss2);
  });
  afterAll(async () => v.close());

  const inbox = async (who: Actor) => {
    const c = await openConsole(v.core, who);
    await c.waitFor(`Custody · ${who.name}`);
    await c.press(KEYS.tab);
    await c.waitFor('My requests');
    // Under load the first → can come before the screen listens: press again until it switches.
    for (let i = 0; ; i++) {
      if (/Inbox\s+a approve/.test(c.frame())) return c;
      if (i === 5) throw new Error(`no Inbox:\n${c.frame()}`);
      await c.press(KEYS.right);
      await c.waitFor(/Inbox\s+a approve/, 2000).catch(() => undefined);
    }
  };
  const holding = async () =>
    (await v.core.access.list(v.host, {})).filter(
      (r) => r.account === 'db01/dba' && r.state === 'checked-out',
    );

  it('F asks "yes" and then a reason, and the reason reaches the audit row', async () => {
    const req = await v.core.access.request(carol, 'db01/dba', 'patching');
    await v.core.access.approve(boss, req.id);
    await v.core.access.checkout(carol, 'db01/dba');
    const c = await inbox(boss);
    try {
      await c.waitFor(/› db01\/dba\s+in use \(checked out\)/);
      // Anything but "yes" leaves carol holding it.
      await c.press('F');
      await c.waitFor('Force check-in of db01/dba? Type yes:');
      await c.press(...'no', KEYS.enter);
      await c.waitFor('force check-in cancelled');
      expect(await holding()).toHaveLength(1);
      // "yes" and then no reason: refused, still held.
      await c.press('F', ...'yes', KEYS.enter);
      await c.waitFor('Reason to force the check-in of db01/dba:');
      await c.press(KEYS.enter);
      await c.waitFor('a reason is required');
      expect(await holding()).toHaveLength(1);
      // Typed in one go, before each prompt is drawn.
      await c.press('F', ...'yes', KEYS.enter, ...'INC-9 stuck session', KEYS.enter);
      await c.waitFor('db01/dba checked in by force');
      expect(await holding()).toHaveLength(0);
      const [row] = await v.core.audit.query(v.host, { type: 'access.force-checkin', limit: 1 });
      expect(row).toMatchObject({ actor: 'boss', result: 'success' });
      expect(JSON.parse(row!.details)).toMatchObject({ holder: 'carol', reason: 'INC-9 stuck session' });
    } finally {
      await c.close();
    }
  });

  it('shows dual-approval progress, who rejected and why, and the newest request in account detail', async () => {
    const dual = await v.core.access.request(carol, 'db02/dba', 'migration');
    await v.core.access.approve(boss, dual.id);
    const rejected = await v.core.access.request(carol, 'db01/dba', 'again');
    await v.core.access.reject(boss, rejected.id, 'not now');
    const c = await openConsole(v.core, carol);
    try {
      await c.waitFor('Custody · carol');
      await c.press(KEYS.tab);
      await c.waitFor('My requests');
      await c.waitFor(/db02\/dba\s+waiting, 1 of 2 approvals\s+by carol: migration/);
      await c.waitFor(/db01\/dba\s+rejected by boss \("not now"\)\s+by carol: again/);
      // boss2, the second approver, sees how far the request has got too.
      const b2 = await inbox(boss2);
      try {
        await b2.waitFor(/db02\/dba\s+waiting, 1 of 2 approvals/);
      } finally {
        await b2.close();
      }
    } finally {
      await c.close();
    }
    // db01/dba has an older checked-in request (the first test) and the newer rejected one.
    const d = await openConsole(v.core, carol);
    try {
      await d.showAll();
      await d.press(...'db01');
      await d.waitFor('› db01/dba');
      await d.press(KEYS.enter);
      await d.waitFor(
        new RegExp(`Access request\\s+rejected by boss \\("not now"\\) \\(${rejected.id.slice(0, 8)}`),
      );
      expect(d.frame()).not.toContain('checked-in');
      // A request made meanwhile (elsewhere) is the one shown after Ctrl-R.
      const newer = await v.core.access.request(carol, 'db01/dba', 'third time');
      await d.press('\x12');
      await d.waitFor(new RegExp(`Access request\\s+waiting for approval \\(${newer.id.slice(0, 8)}`));
    } finally {
      await d.close();
    }
  });
});
