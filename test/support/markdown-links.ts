// Finds the relative links of a Markdown page and checks that each one resolves: the file (or
// folder) exists, and an #anchor names a heading of the page it points at. Anchors follow GitHub's
// rule, since that is where readers click them: the heading's text, lower-cased, punctuation
// dropped, spaces turned into hyphens, and -1, -2… appended to repeats.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface MarkdownLink {
  line: number;
  target: string;
}

/** The lines of a page outside fenced code blocks, numbered from 1. */
function proseLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | null = null;
  text.split('\n').forEach((line, i) => {
    const m = /^\s*(```+|~~~+)/.exec(line);
    if (m) {
      if (fence === null) fence = m[1]!.slice(0, 3);
      else if (m[1]!.startsWith(fence)) fence = null;
      return;
    }
    if (fence === null) out.push({ line: i + 1, text: line });
  });
  return out;
}

/** Inline code is not a link even when it looks like one (`[x](y)` in a code span). */
const withoutCodeSpans = (line: string) => line.replace(/`[^`]*`/g, (s) => ' '.repeat(s.length));

export function linksOf(text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const { line, text: raw } of proseLines(text)) {
    const prose = withoutCodeSpans(raw);
    for (const m of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) links.push({ line, target: m[1]! });
  }
  return links;
}

export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text: line } of proseLines(text)) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const plain = h[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const base = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/**
 * Every relative link of `file` that does not resolve, as "file:line: target (why)". `ignore` is
 * a set of repository-relative paths whose absence is expected.
 */
export function brokenLinks(root: string, file: string, ignore: ReadonlySet<string> = new Set()): string[] {
  const text = readFileSync(file, 'utf8');
  const problems: string[] = [];
  const rel = path.relative(root, file);
  for (const { line, target } of linksOf(text)) {
    if (isExternal(target)) continue;
    const [filePart, anchor] = target.split('#', 2) as [string, string | undefined];
    const dest = filePart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(filePart));
    const destRel = path.relative(root, dest);
    if (ignore.has(destRel)) continue;
    if (destRel.startsWith('..')) {
      problems.push(`${rel}:${line}: ${target} (outside the repository)`);
      continue;
    }
    if (!existsSync(dest)) {
      problems.push(`${rel}:${line}: ${target} (no such file)`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (statSync(dest).isDirectory() || !dest.endsWith('.md')) {
      problems.push(`${rel}:${line}: ${target} (an anchor into something that is not a Markdown page)`);
      continue;
    }
    if (!anchorsOf(readFileSync(dest, 'utf8')).has(anchor))
      problems.push(`${rel}:${line}: ${target} (no heading #${anchor} in ${destRel})`);
  }
  return problems;
}
