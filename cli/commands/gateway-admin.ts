import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import { UsageError } from '../../core/index.ts';
import { globalsOf, withCore } from '../context.ts';
import { Output, table } from '../output.ts';

/** Landing servers, and users' SSH keys and TOTP: the gateway's configuration. */
export function registerGatewayAdmin(program: Command): void {
  const landing = program.command('landing').description('landing servers (jump hosts) and the hop graph');
  landing
    .command('add <name>')
    .description('add a landing server: a name for a landing host and the account to log in with')
    .requiredOption('--primary <resource/account>', 'the landing host and the account to log in with')
    .option('--secondary <resource/account>', 'used when the primary does not answer')
    .option('--description <text>', 'what the landing server is for')
    .option('--location <text>', 'where it is')
    .action(
      async (
        name: string,
        o: { primary: string; secondary?: string; description?: string; location?: string },
        cmd: Command,
      ) => {
        const g = globalsOf(cmd);
        const l = await withCore(g, (me) => me.landing.add({ name, ...o }));
        new Output(!!g.json).result(
          l,
          (x) =>
            `created landing server ${x.name} (primary ${x.primary}${x.secondary ? `, secondary ${x.secondary}` : ''})`,
        );
      },
    );
  landing
    .command('associate <landing> <resource>')
    .description(
      'RESOURCE is reached through LANDING (a landing host may itself be associated with another landing server)',
    )
    .option('--remove', 'remove the association instead')
    .action(async (name: string, resource: string, o: { remove?: boolean }, cmd: Command) => {
      const g = globalsOf(cmd);
      await withCore(g, (me) => me.landing.associate(name, resource, !o.remove));
      new Output(!!g.json).result(
        { landing: name, resource, associated: !o.remove },
        () => `${resource} ${o.remove ? 'is no longer' : 'is now'} reached through ${name}`,
      );
    });
  landing
    .command('list')
    .description('landing servers, their accounts and the resources they reach')
    .action(async (_o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const ls = await withCore(g, (me) => me.landing.list());
      new Output(!!g.json).result(ls, (xs) =>
        table([
          ['LANDING', 'PRIMARY', 'SECONDARY', 'REACHES'],
          ...xs.map((l) => [l.name, l.primary, l.secondary ?? '-', l.associated.join(',') || '-']),
        ]),
      );
    });
  landing
    .command('route <resource>')
    .description('the chain of landing servers a session to this resource takes')
    .action(async (resource: string, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const hops = await withCore(g, (me) => me.landing.route(resource));
      new Output(!!g.json).result(hops, (hs) =>
        hs.length
          ? [
              `gateway → ${hs.map((h) => `${h.landing} [${h.candidates.map((c) => `${c.role} ${c.ref}`).join(' | ')}]`).join(' → ')} → ${resource}`,
            ]
          : [`gateway → ${resource} (direct)`],
      );
    });
  landing
    .command('delete <name>')
    .description('delete a landing server')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      await withCore(g, (me) => me.landing.remove(name));
      new Output(!!g.json).result({ landing: name, deleted: true }, () => `deleted landing server ${name}`);
    });

  const key = program.command('sshkey').description("users' SSH public keys for logging in to the gateway");
  key
    .command('add <user> <file>')
    .description('FILE holds one OpenSSH public key line (e.g. ~/.ssh/id_ed25519.pub)')
    .action(async (user: string, file: string, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      let line: string;
      try {
        line = (await fs.readFile(file, 'utf8')).trim();
      } catch (e) {
        throw new UsageError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      const k = await withCore(g, (me) => me.credentials.addPublicKey(user, line));
      new Output(!!g.json).result(k, (x) => `added ${x.algorithm} key ${x.fingerprint} for ${user}`);
    });
  key
    .command('list <user>')
    .description("a user's registered SSH public keys, with fingerprints")
    .action(async (user: string, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const ks = await withCore(g, (me) => me.credentials.listPublicKeys(user));
      new Output(!!g.json).result(ks, (xs) =>
        table([
          ['FINGERPRINT', 'TYPE', 'COMMENT'],
          ...xs.map((k) => [k.fingerprint, k.algorithm, k.comment]),
        ]),
      );
    });
  key
    .command('remove <user> <fingerprint>')
    .description("remove one of a user's SSH public keys, by its fingerprint")
    .action(async (user: string, fp: string, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      await withCore(g, (me) => me.credentials.removePublicKey(user, fp));
      new Output(!!g.json).result(
        { user, fingerprint: fp, removed: true },
        () => `removed ${fp} from ${user}`,
      );
    });

  const totp = program.command('totp').description('time-based one-time codes (RFC 6238) for gateway logins');
  totp
    .command('enable <user>')
    .description('prints the secret and otpauth:// URI once, for the authenticator app')
    .action(async (user: string, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const r = await withCore(g, (me) => me.credentials.enableTotp(user));
      // Shown once, to the person enrolling: it is the whole point of the command.
      new Output(!!g.json).result({ user, secret: r.secret.reveal(), uri: r.uri }, (x) => [
        `TOTP enabled for ${user}.`,
        `secret: ${x.secret}`,
        `uri:    ${x.uri}`,
      ]);
    });
  totp
    .command('disable <user>')
    .description('turn TOTP off for a user (password or key alone logs in again)')
    .action(async (user: string, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      await withCore(g, (me) => me.credentials.disableTotp(user));
      new Output(!!g.json).result({ user, totp: false }, () => `TOTP disabled for ${user}`);
    });
}
