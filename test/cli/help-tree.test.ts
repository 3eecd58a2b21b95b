// Every command of `custody`, at every depth, explains itself: each command and each option has a
// one-line description in its --help, and `custody help WORDS…` prints exactly what
// `custody WORDS… --help` prints. The whole commander tree is walked, so a new command or option
// without a description fails here. In-process (the real program, built as `main` builds it), so
// the walk over a hundred-odd commands stays quick; test/cli/help.test.ts checks the real process.
import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../cli/main.ts';

/** Every command below the program, with the words that name it. */
function commandsOf(cmd: Command, words: string[] = []): { words: string[]; cmd: Command }[] {
  return cmd.commands.flatMap((c) => {
    const path = [...words, c.name()];
    return [{ words: path, cmd: c }, ...commandsOf(c, path)];
  });
}

const program = buildProgram();
const all = commandsOf(program);

async function stdoutOf(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    const code = await main(argv);
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('the custody command tree', () => {
  it('is walked whole: commands and their sub-commands, the help command and config check included', () => {
    expect(all.length).toBeGreaterThan(100);
    const names = all.map((c) => c.words.join(' '));
    expect(names).toContain('audit list');
    expect(names).toContain('config check');
    expect(names).toContain('help');
    expect(Math.max(...all.map((c) => c.words.length))).toBeGreaterThanOrEqual(2);
  });

  it('gives every command a one-line description', () => {
    const missing = all.filter((c) => !c.cmd.description().trim()).map((c) => c.words.join(' '));
    expect(missing).toEqual([]);
    const multiline = all.filter((c) => c.cmd.description().includes('\n')).map((c) => c.words.join(' '));
    expect(multiline).toEqual([]);
  });

  it('gives every option of every command, the program’s own included, a one-line description', () => {
    const missing: string[] = [];
    for (const { words, cmd } of [{ words: ['custody'], cmd: program }, ...all])
      for (const o of cmd.options)
        // A hidden option is not in --help at all (`server --web-port`, kept only to refuse it).
        if (!o.hidden && (!o.description.trim() || o.description.includes('\n')))
          missing.push(`${words.join(' ')} ${o.flags}`);
    expect(missing).toEqual([]);
  });

  it('prints each command’s help for `custody help WORDS…`, at every depth, as WORDS… --help does', async () => {
    for (const { words } of all) {
      const viaHelp = await stdoutOf(['help', ...words]);
      const viaFlag = await stdoutOf([...words, '--help']);
      expect(viaHelp.code, words.join(' ')).toBe(0);
      expect(viaHelp.out.startsWith(`Usage: custody ${words.join(' ')}`), words.join(' ')).toBe(true);
      expect(viaHelp.out, words.join(' ')).toBe(viaFlag.out);
    }
  });
});
