import type { Command } from 'commander';
import { UsageError, type VerifyResult } from '../../core/index.ts';
import { globalsOf, withCore } from '../context.ts';
import { Output, table } from '../output.ts';
import { progressOf } from '../progress.ts';

/** Exit status when a password is out of sync or its target unreachable (as `audit verify` uses 3). */
export const EXIT_NOT_IN_SYNC = 3;

function summary(results: VerifyResult[]): Record<string, number> {
  const counts: Record<string, number> = { 'in-sync': 0, 'out-of-sync': 0, unreachable: 0, unsupported: 0 };
  for (const r of results) counts[r.status]!++;
  return counts;
}

/**
 * `custody verify ACCOUNT | --all [--resource R]`: logs in to the targets with the vaulted
 * passwords and says which are in sync. Each verdict is audited (`password.verify`).
 * Exits 3 when any is out of sync or unreachable.
 */
export function registerVerify(program: Command): void {
  program
    .command('verify [account]')
    .description(
      'check stored passwords against their targets: in-sync, out-of-sync, unreachable, unsupported',
    )
    .option('--all', 'every account you may view (with --resource: of that resource)')
    .option('--resource <resource>', 'with --all: only this resource')
    .action(async (account: string | undefined, o: { all?: boolean; resource?: string }, cmd: Command) => {
      const opts = globalsOf(cmd);
      const out = new Output(!!opts.json);
      if (!!account === !!o.all) throw new UsageError('verify needs ACCOUNT (RESOURCE/ACCOUNT) or --all');
      if (o.resource && !o.all) throw new UsageError('--resource goes with --all');
      const results = await withCore(opts, async (me) => {
        if (account) return [await me.verification.verify(account)];
        const bar = progressOf(out, !!opts.json, 'verifying', 'accounts');
        try {
          return await me.verification.verifyAll(o.resource ? { resource: o.resource } : {}, (d, t) =>
            bar.update(d, t),
          );
        } finally {
          bar.stop();
        }
      });
      const counts = summary(results);
      out.result({ results, summary: counts }, (x) => [
        ...table(x.results.map((r) => [r.account, r.status, r.message ?? ''])),
        `${x.results.length} verified: ${Object.entries(x.summary)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')}`,
      ]);
      if (counts['out-of-sync']! + counts.unreachable! > 0) process.exitCode = EXIT_NOT_IN_SYNC;
    });
}
