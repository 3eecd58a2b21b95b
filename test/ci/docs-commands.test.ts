// The `npx custody …` command lines in the README's and docs/'s code blocks are commands the real
// program has: each names an existing command (down to its sub-command) and only options that
// command takes. A renamed command or option fails here instead of leaving a page that no
// longer works when copied.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/main.ts';

const root = path.join(import.meta.dirname, '..', '..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return markdownFiles(full);
    return e.name.endsWith('.md') ? [full] : [];
  });
}

/** The command lines of a page's fenced code blocks, continuation lines joined, comments cut. */
function commandLines(text: string): { line: number; words: string[] }[] {
  const out: { line: number; words: string[] }[] = [];
  let inFence = false;
  let pending = '';
  let pendingLine = 0;
  text.split('\n').forEach((raw, i) => {
    if (/^\s*```/.test(raw)) {
      inFence = !inFence;
      return;
    }
    if (!inFence) return;
    const line = pending ? `${pending} ${raw.trim()}` : raw.trim();
    if (!pending) pendingLine = i + 1;
    if (line.endsWith('\\')) {
      pending = line.slice(0, -1);
      return;
    }
    pending = '';
    for (const part of splitCommands(line)) {
      const words = shellWords(part);
      const at = words.indexOf('custody');
      if (at > 0 && words[at - 1] === 'npx') out.push({ line: pendingLine, words: words.slice(at + 1) });
    }
  });
  return out;
}

/** Splits on ; && || outside quotes, and drops a trailing # comment. */
function splitCommands(line: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      cur += c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break;
    else if (c === ';' || (c === '&' && line[i + 1] === '&') || (c === '|' && line[i + 1] === '|')) {
      parts.push(cur);
      cur = '';
      if (c !== ';') i++;
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter(Boolean);
}

function shellWords(s: string): string[] {
  return [...s.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

const program = buildProgram();
const globalValueOptions = new Set(['--home', '--as', '--password-file', '--totp-file']);
const longsOf = (c: Command) => new Set(c.options.flatMap((o) => (o.long ? [o.long] : [])));

/** What is wrong with one documented command line, or null. */
function problemWith(words: string[]): string | null {
  let i = 0;
  // Global options come before the command: `npx custody --as alice --password-file a.pw …`.
  while (words[i]?.startsWith('--')) {
    const flag = words[i]!.split('=')[0]!;
    if (!longsOf(program).has(flag)) return `unknown global option ${flag}`;
    i += globalValueOptions.has(flag) && !words[i]!.includes('=') ? 2 : 1;
  }
  let cmd: Command = program;
  const named: string[] = [];
  while (i < words.length) {
    const next = cmd.commands.find((c) => c.name() === words[i]);
    if (!next) break;
    cmd = next;
    named.push(words[i]!);
    i++;
  }
  if (cmd === program) return `no command named ${words[i] ?? '(none)'}`;
  if (cmd.commands.length > 0) return `${named.join(' ')} needs a sub-command, got ${words[i] ?? 'none'}`;
  // Documentation writes optional parts as [--flag VALUE] and alternatives as --a|--b.
  const rest = words.slice(i).flatMap((x) => x.replace(/[[\]]/g, '').split('|'));
  for (let j = 0; j < rest.length; j++) {
    const w = rest[j]!;
    if (!/^--[a-z]/.test(w)) continue;
    const flag = w.split('=')[0]!;
    const option = cmd.options.find((o) => o.long === flag);
    if (!option) return `${named.join(' ')} has no option ${flag}`;
    // A required option-argument is taken whole, even when it starts with a dash (commander's
    // rule): `listener add … --args --graceful` passes --graceful to the listener.
    if (option.required && !w.includes('=')) j++;
  }
  return null;
}

const pages = [path.join(root, 'README.md'), ...markdownFiles(path.join(root, 'docs'))];

describe('the documented custody commands', () => {
  it('name real commands and only options those commands take', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const f of pages)
      for (const { line, words } of commandLines(readFileSync(f, 'utf8'))) {
        checked++;
        const p = problemWith(words);
        if (p) problems.push(`${path.relative(root, f)}:${line}: ${p}`);
      }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(80);
  });

  it('are checked: a wrong command, sub-command or option is reported', () => {
    expect(problemWith(['resource', 'add', 'web01', '--type', 'linux'])).toBeNull();
    expect(problemWith(['--as', 'alice', '--password-file', 'a.pw', 'account', 'reveal', 'w/r'])).toBeNull();
    expect(problemWith(['requests', '[--mine|--pending]'])).toBeNull();
    expect(
      problemWith(['listener', 'add', 'x', '--type', 'linux', '--command', '/x', '--args', '--graceful']),
    ).toBeNull();
    expect(problemWith(['resource', 'add', 'web01', '--kind', 'x'])).toBe(
      'resource add has no option --kind',
    );
    expect(problemWith(['resorce', 'list'])).toBe('no command named resorce');
    expect(problemWith(['audit'])).toBe('audit needs a sub-command, got none');
    expect(problemWith(['--user', 'x', 'audit', 'list'])).toBe('unknown global option --user');
    expect(
      commandLines('```sh\nnpx custody a --b \\\n  --c ; npx custody d # --e\n```\nnpx custody f\n'),
    ).toEqual([
      { line: 2, words: ['a', '--b', '--c'] },
      { line: 2, words: ['d'] },
    ]);
  });
});
