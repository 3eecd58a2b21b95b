import type { Command } from 'commander';
import { UsageError } from '../../core/index.ts';
import { globalsOf, readPasswordFile, withCore, type GlobalOptions } from '../context.ts';
import { Output } from '../output.ts';

const g = (cmd: Command): GlobalOptions => globalsOf(cmd);

/**
 * `custody reset ACCOUNT [--admin ACCOUNT] [--new-password-file F]`: changes the password on the
 * target and in the vault together. Prints nothing secret. `custody reset --reconcile`
 * completes resets whose vault write failed after the target changed.
 */
export function registerReset(program: Command): void {
  program
    .command('reset [account]')
    .description('reset the password of RESOURCE/ACCOUNT on the target and in the vault together')
    .option(
      '--admin <account>',
      'log in as this other account of the same resource (sudo chpasswd, ALTER ROLE, ALTER USER, an LDAP admin DN)',
    )
    .option('--new-password-file <file>', 'the new password (default: generated from the policy)')
    .option('--reconcile', 'complete resets left pending by a failed vault write or a crash')
    .action(
      async (
        account: string | undefined,
        o: { admin?: string; newPasswordFile?: string; reconcile?: boolean },
        cmd: Command,
      ) => {
        const opts = g(cmd);
        const out = new Output(!!opts.json);
        if (o.reconcile) {
          const r = await withCore(opts, (me) => me.resets.reconcileAs());
          out.result(r, (x) => [
            `completed: ${x.completed.join(', ') || 'none'}`,
            `unresolved (target state unknown): ${x.unresolved.join(', ') || 'none'}`,
          ]);
          return;
        }
        if (!account) throw new UsageError('reset needs ACCOUNT (RESOURCE/ACCOUNT) or --reconcile');
        const newPassword = o.newPasswordFile ? await readPasswordFile(o.newPasswordFile) : undefined;
        await withCore(opts, (me) =>
          me.resets.resetAccount(account, {
            ...(o.admin ? { admin: o.admin } : {}),
            ...(newPassword ? { newPassword } : {}),
          }),
        );
        out.result({ account, reset: true }, () => [
          `password of ${account} reset on the target and in the vault`,
        ]);
      },
    );
}
