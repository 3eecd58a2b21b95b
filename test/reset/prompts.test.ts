// How a reset's prompts are layered (reset/prompts.ts): the shared login prompts, the reset
// dialogues' own, the node's [telnet] configuration over the login ones, a resource's settings
// over any of them.
import { describe, expect, it } from 'vitest';
import type { ResetTarget } from '../../core/index.ts';
import { DEFAULT_LOGIN_PROMPTS } from '../../protocols/prompts.ts';
import { DEFAULT_PROMPTS, promptsFor } from '../../reset/prompts.ts';

const target = (prompts?: Record<string, string>): ResetTarget => ({
  resource: 'r1',
  resetKind: 'unix',
  host: '127.0.0.1',
  port: 23,
  ...(prompts ? { settings: { prompts } } : {}),
});

describe('promptsFor', () => {
  it('starts from the shared login prompts plus su, passwd and IOS mode prompts', () => {
    const p = promptsFor(target());
    for (const [k, v] of Object.entries(DEFAULT_LOGIN_PROMPTS)) expect(p[k as 'login'].source).toBe(v);
    expect(Object.keys(p).sort()).toEqual(Object.keys(DEFAULT_PROMPTS).sort());
    expect(p.failure.test('% Login invalid')).toBe(true);
    expect(p.config.test('router(config)#')).toBe(true);
    expect(p.new.test('Retype new password: ')).toBe(true);
  });

  it('the node configuration replaces the login prompts; a resource setting replaces any prompt', () => {
    const p = promptsFor(target({ shell: 'ready>$', enable: 'priv#$' }), {
      shell_prompt: 'node\\$$',
      failure_pattern: 'nope',
    });
    expect(p.shell.test('READY>')).toBe(true);
    expect(p.shell.test('node$')).toBe(false);
    expect(p.failure.test('NOPE')).toBe(true);
    expect(p.enable.source).toBe('priv#$');
    expect(p.login.source).toBe(DEFAULT_LOGIN_PROMPTS.login);
  });
});
