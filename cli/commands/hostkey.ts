import type { Command } from 'commander';
import type { HostKeyView } from '../../core/index.ts';
import { withCore, globalsOf } from '../context.ts';
import { Output, table } from '../output.ts';

const where = (x: HostKeyView) =>
  x.landings.length > 0 ? `${x.resource} (landing ${x.landings.join(', ')})` : x.resource;
const rows = (xs: HostKeyView[]) =>
  table([
    ['RESOURCE', 'HOST:PORT', 'TYPE', 'FINGERPRINT', 'FIRST SEEN'],
    ...xs.map((x) => [
      where(x),
      `${x.host || '-'}:${x.port ?? '-'}`,
      x.keyType ?? '(expected, any type)',
      x.fingerprint,
      x.firstSeen,
    ]),
  ]);

/** Pinned target host keys: list, show, accept a changed key. Administrators only. */
export function registerHostKey(program: Command): void {
  const hk = program.command('hostkey').description('pinned host keys of targets and landing servers');
  hk.command('list')
    .description(
      'pinned host keys: resource (and landing servers on it), host:port, type, SHA256, first seen',
    )
    .action(async (_o: unknown, cmd: Command) => {
      const opts = globalsOf(cmd);
      const xs = await withCore(opts, (me) => me.hostKeys.list());
      new Output(!!opts.json).result(xs, (v) => [...rows(v), `${v.length} host keys`]);
    });
  hk.command('show <resource-or-landing>')
    .description("a resource's or landing server's pinned host keys")
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const opts = globalsOf(cmd);
      const xs = await withCore(opts, (me) => me.hostKeys.show(name));
      new Output(!!opts.json).result(xs, (v) =>
        v.length > 0 ? rows(v) : [`${name}: no host key pinned (the next connection records it)`],
      );
    });
  hk.command('accept <resource-or-landing>')
    .description('accept a changed host key: clear the pin, or replace it with --fingerprint')
    .option(
      '--fingerprint <SHA256:...>',
      'the key the next connection must present (else: trust on first use)',
    )
    .action(async (name: string, o: { fingerprint?: string }, cmd: Command) => {
      const opts = globalsOf(cmd);
      const r = await withCore(opts, (me) => me.hostKeys.accept(name, o.fingerprint));
      new Output(!!opts.json).result(r, (x) =>
        x.mode === 'expected'
          ? `${x.resources.join(', ')}: pin replaced; the next connection must present ${x.fingerprint ?? ''} or is refused`
          : `${x.resources.join(', ')}: pin cleared; trust on first use: the next connection records whatever key the host presents`,
      );
    });
}
