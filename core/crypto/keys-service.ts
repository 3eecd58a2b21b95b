import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { readKeyFile } from './key-file.ts';
import { Keyring } from './keyring.ts';
import { checkAllSecrets, rotateMasterKey, type RotationResult } from './rotate-key.ts';

export interface KeyCheckResult {
  checked: number;
  /** `table:row` of each secret the key file cannot open (names only, never a value). */
  failed: string[];
}

/**
 * The master key: rotating it and proving every stored secret opens with the key file. Both are
 * for super administrators (or the host administrator): whoever may run them reads every secret's
 * envelope, so the CLI asks core, not its own role check.
 */
export class KeysService {
  constructor(private readonly ctx: CoreContext) {}

  /** `custody key rotate`: re-encrypts every secret under a new master key. */
  async rotate(
    actor: Actor,
    keyFile: string,
    onProgress?: (done: number, total: number) => void,
  ): Promise<RotationResult> {
    await this.ctx.requireRole(actor, 'key.rotate', { kind: 'key', name: 'master' });
    return rotateMasterKey({
      store: this.ctx.store,
      keyFile,
      clock: this.ctx.clock,
      auditLog: this.ctx.auditLog,
      actor: { name: actor.name, source: actor.source },
      batchSize: this.ctx.config.crypto.rotate_batch_size,
      ...(onProgress ? { onProgress } : {}),
    });
  }

  /**
   * `custody key check` (and the proof after a rotation): opens every stored secret with the keys
   * in `keyFile` as it is on disk now, not with the keyring this process loaded at start.
   */
  async check(actor: Actor, keyFile: string): Promise<KeyCheckResult> {
    await this.ctx.requireRole(actor, 'key.check', { kind: 'key', name: 'master' });
    return checkAllSecrets(this.ctx.store, new Keyring(await readKeyFile(keyFile)));
  }
}
