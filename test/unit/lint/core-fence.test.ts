// The lint fence around core: edge rooms import core only through core/index.ts, never name a
// context, store or keyring, and the console, the CLI and the gateway act only through core.as /
// core.system.
// Each probe below is a line that must fail lint in the room named; the last must pass.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../../../core/index.ts';

const eslint = new ESLint({ cwd: REPOSITORY_ROOT });

async function messagesFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the lint fence around core', () => {
  it.each(['tui/probe.ts', 'wallboard/probe.ts', 'cli/probe.ts', 'gateway/probe.ts'])(
    '%s may not import a core file other than core/index.ts, even one at the top of core/',
    async (file) => {
      for (const target of ['../core/authz/authorizer.ts', '../core/plural.ts', '../core/core.ts']) {
        const msgs = await messagesFor(file, `import { x } from '${target}';\nexport const y = x;\n`);
        expect(
          msgs.some((m) => m.startsWith('no-restricted-imports')),
          `${file} ← ${target}`,
        ).toBe(true);
      }
    },
  );

  it.each(['tui/probe.ts', 'wallboard/probe.ts', 'cli/probe.ts', 'gateway/probe.ts'])(
    '%s may not name ctx, store, keyring or deps on any object',
    async (file) => {
      for (const expr of ['o.ctx', 'o.store', "o['keyring']", 'o.deps']) {
        const msgs = await messagesFor(file, `declare const o: any;\nexport const y = ${expr};\n`);
        expect(
          msgs.some((m) => m.startsWith('no-restricted-syntax')),
          `${file}: ${expr}`,
        ).toBe(true);
      }
    },
  );

  it.each(['tui/probe.ts', 'wallboard/probe.ts', 'cli/probe.ts', 'gateway/probe.ts'])(
    '%s may not call a service of the Core directly',
    async (file) => {
      // The shapes the gateway used before it moved onto the facade: a bare `core`, one held on
      // `this`, and one carried in an options or environment object.
      for (const expr of ['s.core.accounts', 'core.sessions', 'this.core.logins', 'env.core.live']) {
        const code = `declare const core: any, s: any, env: any;\nexport const y = function (this: any) { return ${expr}; };\n`;
        const msgs = await messagesFor(file, code);
        expect(
          msgs.some((m) => m.includes('core.as(actor)')),
          `${file}: ${expr}`,
        ).toBe(true);
      }
    },
  );

  it('lets the gateway authorise as the operator and run the session path through core.system', async () => {
    const code = [
      "import type { Actor, Core, SessionGrant } from '../core/index.ts';",
      'declare const core: Core, actor: Actor;',
      "export const grant = core.as(actor).sessions.authorize('root@web01');",
      'export const done = (g: SessionGrant) => core.system.sessions.release(g);',
      'export const registry = core.system.liveRegistry;',
      '',
    ].join('\n');
    expect(await messagesFor('gateway/probe.ts', code)).toEqual([]);
  });

  it('lets the console bind its operator and call through the bound core', async () => {
    const code = [
      "import type { ConsoleSession } from '../core/index.ts';",
      'export const y = (s: ConsoleSession) => s.core.as(s.actor).accounts.get("a/b");',
      '',
    ].join('\n');
    expect(await messagesFor('tui/probe.ts', code)).toEqual([]);
  });

  it('keeps the wallboard a room of its own: the gateway and the console never import it, nor it them', async () => {
    const probes: [string, string][] = [
      ['gateway/probe.ts', '../wallboard/index.ts'],
      ['tui/probe.ts', '../wallboard/index.ts'],
      ['wallboard/probe.ts', '../gateway/index.ts'],
      ['wallboard/probe.ts', '../tui/index.ts'],
      ['wallboard/probe.ts', 'ink'],
      ['wallboard/probe.ts', 'ssh2'],
      ['cli/probe.ts', '../wallboard/board-screen.ts'],
    ];
    for (const [file, target] of probes) {
      const msgs = await messagesFor(file, `import { x } from '${target}';\nexport const y = x;\n`);
      expect(
        msgs.some((m) => m.startsWith('no-restricted-imports')),
        `${file} ← ${target}`,
      ).toBe(true);
    }
    const allowed = [
      "import type { WallboardSession } from '../core/index.ts';",
      'export const y = (s: WallboardSession) => s.core.as(s.actor).board.snapshot();',
      '',
    ].join('\n');
    expect(await messagesFor('wallboard/probe.ts', allowed)).toEqual([]);
    expect(
      await messagesFor('cli/probe.ts', "export { wallboardStarter } from '../wallboard/index.ts';\n"),
    ).toEqual([]);
  });
});
