import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { initHome, loadConfigFile, resolveHome, type InitResult } from '../../core/index.ts';
import { cliSource, readPasswordFile, globalsOf, type GlobalOptions } from '../context.ts';
import { Output } from '../output.ts';
import { runServer, webCertificateOf } from './server.ts';
import { ensureHostKey } from '../../gateway/index.ts';

function describeInit(r: InitResult): string[] {
  const lines = [`home: ${r.layout.home}`];
  lines.push(r.createdConfig ? `created ${r.layout.configFile}` : `config ${r.layout.configFile}`);
  lines.push(
    r.createdKey
      ? `created master key ${r.layout.keyFile} (keep it safe and apart from backups)`
      : `master key ${r.layout.keyFile}`,
  );
  if (r.createdAdmin) {
    lines.push(
      r.adminPasswordFile
        ? `created administrator 'admin'; its generated password is in ${r.adminPasswordFile} (readable by this OS user only)`
        : `created administrator 'admin' with the given password`,
    );
  } else lines.push(`administrator 'admin' already exists`);
  return lines;
}

async function runInit(g: GlobalOptions, adminPasswordFile?: string): Promise<InitResult> {
  const r = await initHome({
    home: resolveHome(g.home),
    osUser: os.userInfo().username,
    source: cliSource(),
    ...(adminPasswordFile ? { adminPassword: await readPasswordFile(adminPasswordFile) } : {}),
  });
  // The gateway's host key is made at init and kept, so clients can pin it from the first login.
  await ensureHostKey(r.layout.hostKeyFile);
  // So is the web listener's self-signed certificate (unless [web] names a real one).
  await webCertificateOf(r.layout, await loadConfigFile(r.layout.configFile));
  return r;
}

export function registerLifecycle(program: Command): void {
  program
    .command('init')
    .description('create config, data folder, master key and the first administrator `admin`')
    .option('--admin-password-file <file>', "admin's password (else one is generated into the keys folder)")
    .action(async (o: { adminPasswordFile?: string }, cmd: Command) => {
      const g = globalsOf(cmd);
      const r = await runInit(g, o.adminPasswordFile);
      new Output(!!g.json).result(
        {
          home: r.layout.home,
          config: r.layout.configFile,
          keyFile: r.layout.keyFile,
          createdAdmin: r.createdAdmin,
          adminPasswordFile: r.adminPasswordFile ?? null,
        },
        () => describeInit(r),
      );
    });

  program
    .command('start')
    .description('what `npm start` runs: initialise the home if needed, then run the node')
    .option('--ssh-port <n>', 'SSH port (default from the config; 0 picks a free one)')
    .action(async (o: { sshPort?: string }, cmd: Command) => {
      const g = globalsOf(cmd);
      const r = await runInit(g);
      for (const line of describeInit(r)) process.stdout.write(line + '\n');
      const shown = (host: string) => (host === '0.0.0.0' || host === '::' ? 'localhost' : host);
      // After a restart init created nobody: point at the generated password while its file is
      // still there (the operator may not have read it yet), else at the existing users.
      const initialPassword = path.join(path.dirname(r.layout.keyFile), 'initial-admin-password');
      const passwordHint = r.adminPasswordFile
        ? `         (password: cat ${r.adminPasswordFile})`
        : existsSync(initialPassword)
          ? `         (the generated password, if not changed since: cat ${initialPassword})`
          : '         (log in as an existing user; the generated password file was removed)';
      await runServer(r.layout.home, {
        ...(o.sshPort !== undefined ? { sshPort: o.sshPort } : {}),
        banner: (host, port) => [
          '',
          `Log in:  ssh -p ${port} admin@${shown(host)}`,
          passwordHint,
          `Direct:  ssh -p ${port} 'admin:ACCOUNT@RESOURCE'@${shown(host)}`,
          'Stop with Ctrl-C.',
        ],
      });
    });
}
