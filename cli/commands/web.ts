import type { Command } from 'commander';
import { ConfigError, webLinkUrl } from '../../core/index.ts';
import { globalsOf, withCore } from '../context.ts';
import { Output } from '../output.ts';
import { readRuntimeFile } from '../runtime-file.ts';
import { webAddressOf } from './server.ts';

export function registerWeb(program: Command): void {
  const web = program.command('web').description('the HTTPS listener (browser pages)');
  web
    .command('link')
    .description('print a one-time URL (60 s, one use) that signs the acting user in and lands on PATH')
    .argument('<path>', 'where the link lands: /recordings/ID, /live/SESSION_ID, /rdp/RESOURCE/ACCOUNT, …')
    .action(async (landingPath: string, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const r = await withCore(g, async (me, home) => {
        // Checked first: a link for a listener that is not running would be written for nothing.
        const running = readRuntimeFile(home.layout.home);
        if (!running?.webPort)
          throw new ConfigError(
            'no web listener is running on this home (start `custody server --web-port N`)',
          );
        const link = await me.webLinks.create(landingPath);
        const address = webAddressOf(home.config, {
          host: running.webHost ?? '127.0.0.1',
          port: running.webPort,
        });
        return {
          url: webLinkUrl(address, link.token),
          path: link.landingPath,
          user: link.username,
          expiresAt: link.expiresAt,
        };
      });
      new Output(!!g.json).result(r, (x) => [x.url]);
    });
}
