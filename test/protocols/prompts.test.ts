// The prompt matchers the gateway's Telnet auto-login and the reset room share
// (protocols/prompts.ts): what they recognise, how configuration replaces them, and the
// keyboard-interactive answers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/index.ts';
import {
  DEFAULT_LOGIN_PROMPTS,
  keyboardInteractiveAnswers,
  loginPrompts,
  promptsFromConfig,
} from '../../protocols/prompts.ts';

const shipped = readFileSync(new URL('../../conf/custody.toml', import.meta.url), 'utf8');

describe('login prompts', () => {
  it('are the configuration defaults, in the schema and in the shipped custody.toml', () => {
    for (const c of [parseConfig('', 'empty.toml'), parseConfig(shipped, 'custody.toml')]) {
      expect(promptsFromConfig(c.telnet)).toEqual(DEFAULT_LOGIN_PROMPTS);
    }
  });

  it('recognise the Unix login and the Cisco IOS one (the union of what both rooms matched)', () => {
    const p = loginPrompts();
    const matches = (re: RegExp, lines: string[]) => lines.filter((l) => re.test(l));
    const logins = ['Debian login: ', 'Username: ', 'router login:'];
    expect(matches(p.login, logins)).toEqual(logins);
    expect(matches(p.password, ['Password: ', 'password:'])).toHaveLength(2);
    const failures = [
      'Login incorrect',
      'Authentication failed',
      'Access denied',
      '% Login invalid',
      '% Bad passwords',
      '%Bad password',
    ];
    expect(matches(p.failure, failures)).toEqual(failures);
    expect(matches(p.shell, ['alice@dc:~$ ', 'root# ', 'router>', 'router#'])).toHaveLength(4);
    // Not a prompt yet: more is coming on the line.
    expect(matches(p.password, ['Password: x', 'Last password change: 2024-01-01 and more'])).toEqual([]);
    expect(p.login.test('Last login: Mon Jan 1 on pts/0')).toBe(false);
  });

  it('a configured pattern replaces its default (case-insensitive); an empty one keeps it', () => {
    const p = loginPrompts({ failure_pattern: 'go away', login_prompt: '' });
    expect(p.failure.test('GO AWAY')).toBe(true);
    expect(p.failure.test('Login incorrect')).toBe(false);
    expect(p.login.source).toBe(DEFAULT_LOGIN_PROMPTS.login);
  });
});

describe('keyboard-interactive answers', () => {
  it('give the password to the questions that ask for it and nothing to the others', () => {
    let reveals = 0;
    const answers = keyboardInteractiveAnswers(
      [{ prompt: 'Password: ' }, { prompt: 'Verification code: ' }, { prompt: '(alice@dc) Passcode:' }],
      () => {
        reveals++;
        return 'pw';
      },
    );
    expect(answers).toEqual(['pw', '', 'pw']);
    expect(reveals).toBe(2);
  });
});
