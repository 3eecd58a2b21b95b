import type { Command } from 'commander';
import os from 'node:os';
import { initHome, resolveHome, UsageError, type InitResult } from '../../core/index.ts';
import { cliSource, readPasswordFile, globalsOf, type GlobalOptions } from '../context.ts';
import { Output } from '../output.ts';

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
  return initHome({
    home: resolveHome(g.home),
    osUser: os.userInfo().username,
    source: cliSource(),
    ...(adminPasswordFile ? { adminPassword: await readPasswordFile(adminPasswordFile) } : {}),
  });
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
    .action(async (_o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const r = await runInit(g);
      const out = new Output(!!g.json);
      out.result({ home: r.layout.home, gateway: 'not-built' }, () => [
        ...describeInit(r),
        '',
        'The vault is ready. The SSH gateway (ssh -p 2222 admin@localhost) is not built yet:',
        'it arrives with the session-gateway milestone. Meanwhile the CLI works, e.g.:',
        '  npx custody resource add web01 --type linux --host 10.0.0.5',
        '  npx custody account add web01 root --password-file ./pw.txt',
        '  npx custody audit verify',
      ]);
    });

  program
    .command('server')
    .description('run a node (SSH front door and web listener)')
    .option('--ssh-port <n>', 'SSH port (0 picks a free one)')
    .option('--web-port <n>', 'web port (0 picks a free one)')
    .action(async () => {
      throw new UsageError(
        'the session gateway is not built yet: `custody server` arrives with the gateway milestone',
      );
    });
}
