// The lint fence around core: edge rooms import core only through core/index.ts, never name a
// context, store or keyring, and the console and the CLI act only through core.as / core.system.
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
  it.each(['tui/probe.ts', 'cli/probe.ts', 'gateway/probe.ts'])(
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

  it.each(['tui/probe.ts', 'cli/probe.ts', 'gateway/probe.ts'])(
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

  it.each(['tui/probe.ts', 'cli/probe.ts'])(
    '%s may not call a service of the Core directly',
    async (file) => {
      const msgs = await messagesFor(file, 'declare const s: any;\nexport const y = s.core.accounts;\n');
      expect(msgs.some((m) => m.includes('core.as(actor)'))).toBe(true);
    },
  );

  it('lets the console bind its operator and call through the bound core', async () => {
    const code = [
      "import type { ConsoleSession } from '../core/index.ts';",
      'export const y = (s: ConsoleSession) => s.core.as(s.actor).accounts.get("a/b");',
      '',
    ].join('\n');
    expect(await messagesFor('tui/probe.ts', code)).toEqual([]);
  });
});
