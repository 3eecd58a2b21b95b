// `custody help WORDS…` shows the help of the command the words name, at any depth (a regression:
// `custody help audit list` once printed the help of `audit`), through the real `custody` process.
import { expect, it } from 'vitest';
import { custody } from '../support/cli.ts';

it('custody help names nested commands down to the last word, like CMD --help does', async () => {
  for (const words of [
    ['audit', 'list'],
    ['user', 'add'],
    ['access', 'set'],
  ]) {
    const viaHelp = await custody(['help', ...words]);
    const viaFlag = await custody([...words, '--help']);
    expect(viaHelp.code, viaHelp.stderr).toBe(0);
    expect(viaHelp.stdout.startsWith(`Usage: custody ${words.join(' ')} `)).toBe(true);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  }
}, 120_000);

it('custody help with an unknown command is a one-line usage error naming it', async () => {
  const r = await custody(['help', 'audit', 'nosuch']);
  expect(r.code).toBe(2);
  expect(r.stderr.trim()).toBe("custody: E_USAGE: unknown command 'audit nosuch'");
}, 60_000);
