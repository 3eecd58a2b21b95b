// One real sshd target behind an in-process gateway, with a vault that holds its account and
// shares it with the named operators: the set-up most gateway end-to-end tests start from.
import { silentLogger } from '../../core/index.ts';
import {
  ensureHostKey,
  startGateway,
  type GatewayOptions,
  type GatewaySettings,
  type RunningGateway,
} from '../../gateway/index.ts';
import { createTestUser, startSshd, type SshdInstance, type TestUser } from './sshd.ts';
import { createTestVault, pw, type TestVault, type VaultOptions } from './vault.ts';

/** Satisfies the Strong policy the vault applies by default. */
export const TARGET_PASSWORD = 'Tg7#Kp2$Wm9!Lq4&Zx5v';

export const TEST_GATEWAY_SETTINGS: GatewaySettings = {
  nodeName: 'test',
  recordingFailure: 'strict',
  idleTimeoutMs: 0,
  maxDurationMs: 0,
  connectTimeoutMs: 10_000,
};

/** Starts a gateway on 127.0.0.1, a free port, over the vault's core. */
export async function startTestGateway(
  v: TestVault,
  settings: Partial<GatewaySettings> = {},
  extra: Pick<GatewayOptions, 'startConsole' | 'startWallboard' | 'door' | 'timers' | 'webAddress'> = {},
): Promise<RunningGateway> {
  const key = await ensureHostKey(`${v.home}/keys/ssh_host_ed25519_key`);
  return startGateway({
    core: v.core,
    host: '127.0.0.1',
    port: 0,
    hostKey: key.privateKey,
    settings: { ...TEST_GATEWAY_SETTINGS, ...settings },
    logger: silentLogger,
    ...extra,
  });
}

export interface SshTargetFixture {
  v: TestVault;
  sshd: SshdInstance;
  /** The real Linux user the vaulted account logs in as. */
  target: TestUser;
  gw: RunningGateway;
  /** `RESOURCE/ACCOUNT` of the vaulted account. */
  ref: string;
  /** The direct-target SSH username for `operator`. */
  direct(operator: string): string;
  close(): Promise<void>;
}

export async function sshTargetFixture(
  label: string,
  opts: {
    resource?: string;
    operators?: string[];
    vault?: VaultOptions;
    settings?: Partial<GatewaySettings>;
    /** The gateway's session clocks (a test passes ManualTimers to move time itself). */
    timers?: GatewayOptions['timers'];
  } = {},
): Promise<SshTargetFixture> {
  const resource = opts.resource ?? 'web01';
  const target = createTestUser(label, { password: TARGET_PASSWORD });
  const sshd = await startSshd({ allowUsers: [target.name] });
  const v = await createTestVault(opts.vault);
  await v.core.resources.create(v.host, {
    name: resource,
    type: 'linux',
    dnsName: '127.0.0.1',
    port: sshd.port,
  });
  await v.core.accounts.add(v.host, resource, target.name, pw(TARGET_PASSWORD));
  const ref = `${resource}/${target.name}`;
  for (const name of opts.operators ?? ['alice']) {
    await v.addUser(name, 'password-user');
    await v.core.sharing.grant(v.host, { kind: 'account', name: ref }, { kind: 'user', name }, 'view');
  }
  const gw = await startTestGateway(v, opts.settings, opts.timers ? { timers: opts.timers } : {});
  return {
    v,
    sshd,
    target,
    gw,
    ref,
    direct: (operator) => `${operator}:${target.name}@${resource}`,
    async close() {
      await gw.close();
      await v.close();
      await sshd.stop();
      target.remove();
    },
  };
}
