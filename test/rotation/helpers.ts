// Fixtures for the rotation and verification scheduler tests: a vault on a ManualClock, and a
// STAND-IN target family (an in-memory map of passwords) so that the schedule logic can be tested
// with fake time. The real-sshd rotation is test/rotation/rotation-500.test.ts.
import {
  ManualClock,
  ResetEngine,
  RotationScheduler,
  RotationService,
  VerificationService,
  resetError,
  type AccessNotification,
  type ResetConnector,
} from '../../core/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';
import { vaultHas as storedPassword } from '../reset/vault-probe.ts';
import { contextOf } from '../support/core-internals.ts';

export const START_PW = (n: number) => `Zq9#Lm2$Vx7!Rt4&Kp${n}w`;

/** A target that keeps passwords in a map; `refuse` makes it turn a change down. */
export function standInTarget() {
  const passwords = new Map<string, string>();
  const refuse = new Set<string>();
  const connector: ResetConnector = {
    async change(_t, login, account, next) {
      if (refuse.has(account.name)) throw resetError('refused', `stand-in refused '${account.name}'`);
      if (login.self && passwords.get(account.name) !== account.current.reveal())
        throw resetError('refused', 'stand-in: wrong current password');
      passwords.set(account.name, next.reveal());
    },
    async verify(_t, account, secret) {
      if (passwords.get(account) !== secret.reveal())
        throw resetError('refused', `stand-in refused '${account}'`);
    },
  };
  return { passwords, refuse, connector };
}

export interface World {
  v: TestVault;
  clock: ManualClock;
  target: ReturnType<typeof standInTarget>;
  notes: AccessNotification[];
  rotation: RotationService;
  verification: VerificationService;
  scheduler: RotationScheduler;
  /** Rebuilds the services on the current core (after `v.reopen()`: a restarted node). */
  rebuild(): void;
}

/** A vault with group `webs` holding resources web01..web0N, each with `perResource` accounts. */
export async function rotationWorld(
  o: {
    start?: string;
    resources?: number;
    perResource?: number;
    extraConfig?: Record<string, Record<string, string | number | boolean>>;
  } = {},
): Promise<World> {
  const clock = new ManualClock(o.start ?? '2026-03-01T10:00:00Z');
  const v = await createTestVault({ clock, ...(o.extraConfig ? { extraConfig: o.extraConfig } : {}) });
  const target = standInTarget();
  await v.core.groups.create(v.host, { name: 'webs', kind: 'static' });
  let n = 0;
  for (let r = 1; r <= (o.resources ?? 2); r++) {
    await v.core.resources.create(v.host, { name: `web0${r}`, type: 'linux', dnsName: '127.0.0.1', port: 1 });
    await v.core.groups.addResource(v.host, 'webs', `web0${r}`);
    for (let a = 1; a <= (o.perResource ?? 2); a++) {
      const name = `acct${r}${a}`;
      const start = START_PW(++n);
      target.passwords.set(name, start);
      await v.core.accounts.add(v.host, `web0${r}`, name, pw(start));
    }
  }
  const notes: AccessNotification[] = [];
  const world = { v, clock, target, notes } as World;
  world.rebuild = () => {
    const connectors = { unix: target.connector };
    world.verification = new VerificationService(contextOf(v.core), connectors);
    const notifier = { notify: async (n: AccessNotification) => void notes.push(n) };
    world.rotation = new RotationService(
      contextOf(v.core),
      new ResetEngine(contextOf(v.core), connectors, { retryDelayMs: 1 }),
      (id) => v.core.access.isCheckedOut(id),
      notifier,
    );
    world.scheduler = new RotationScheduler(contextOf(v.core), world.rotation, world.verification, notifier);
  };
  world.rebuild();
  return world;
}

/** What the vault holds for `ref`, read beneath the access-control workflow. */
export async function vaultHas(v: TestVault, ref: string): Promise<string> {
  const [res, acc] = ref.split('/') as [string, string];
  return storedPassword(v, res, acc);
}
