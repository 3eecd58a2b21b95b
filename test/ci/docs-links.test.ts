// The documentation holds together: every relative link (and #anchor) in README.md and docs/**/*.md
// resolves, the README stays a two-screen page, and the security page names real test files.
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorsOf, brokenLinks, linksOf } from '../support/markdown-links.ts';

const root = path.join(import.meta.dirname, '..', '..');

/**
 * Pages other engineers are writing on their own branches at the same time. A link to one of them
 * is expected to dangle until their branch is merged; whoever merges the last of them empties this
 * list, and from then on a link to a missing page fails like any other.
 */
const PAGES_WRITTEN_ON_OTHER_BRANCHES_UNTIL_MERGE: ReadonlySet<string> = new Set([]);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return markdownFiles(full);
    return e.name.endsWith('.md') ? [full] : [];
  });
}

const pages = [path.join(root, 'README.md'), ...markdownFiles(path.join(root, 'docs'))];

describe('the documentation', () => {
  it('has a docs/ folder by reader', () => {
    for (const p of ['operators', 'auditors', 'administrators', 'benchmarks'])
      expect(existsSync(path.join(root, 'docs', p)), p).toBe(true);
    expect(pages.length).toBeGreaterThan(20);
  });

  it('resolves every relative link and anchor in README.md and docs/**/*.md', () => {
    const problems = pages.flatMap((f) => brokenLinks(root, f, PAGES_WRITTEN_ON_OTHER_BRANCHES_UNTIL_MERGE));
    expect(problems).toEqual([]);
  });

  it('links every page of docs/ from the map or another page', () => {
    const linked = new Set<string>();
    for (const f of pages)
      for (const { target } of linksOf(readFileSync(f, 'utf8'))) {
        const file = target.split('#')[0]!;
        if (file && !/^[a-z]+:/i.test(file)) linked.add(path.resolve(path.dirname(f), file));
      }
    const orphans = pages
      .filter((f) => f !== path.join(root, 'README.md') && !linked.has(f))
      .map((f) => path.relative(root, f));
    expect(orphans).toEqual([]);
  });

  it('keeps the README to about two screens', () => {
    const lines = readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').length;
    expect(lines).toBeLessThanOrEqual(150);
  });

  it('names only test files that exist on the security page', () => {
    const text = readFileSync(path.join(root, 'docs', 'security.md'), 'utf8');
    const named = [...new Set(text.match(/test\/[\w./-]+\.test\.ts/g) ?? [])];
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((t) => !existsSync(path.join(root, t)))).toEqual([]);
  });
});

describe('the link checker', () => {
  // A checker that passes everything would let the test above pass too: show it catches each kind.
  const dir = mkdtempSync(path.join(tmpdir(), 'docs-links-'));
  mkdirSync(path.join(dir, 'docs'));
  writeFileSync(
    path.join(dir, 'docs', 'target.md'),
    '# The `custody` page\n\n## Keys: Tab & Esc\n\n## Keys: Tab & Esc\n',
  );
  const page = path.join(dir, 'docs', 'page.md');
  writeFileSync(
    page,
    [
      '# Page',
      '[fine](target.md) [fine anchor](target.md#keys-tab--esc) [repeat](target.md#keys-tab--esc-1)',
      '[self](#page) [web](https://example.org/x.md) [other branch](later.md)',
      '[missing](nope.md) [bad anchor](target.md#nope) `[in code](nope2.md)`',
      '```',
      '[in a fence](nope3.md)',
      '```',
      '[escape](../../outside.md)',
    ].join('\n'),
  );

  it('reports a missing file, a missing anchor and a link out of the tree, and nothing else', () => {
    expect(brokenLinks(dir, page, new Set(['docs/later.md']))).toEqual([
      'docs/page.md:4: nope.md (no such file)',
      'docs/page.md:4: target.md#nope (no heading #nope in docs/target.md)',
      'docs/page.md:8: ../../outside.md (outside the repository)',
    ]);
  });

  it('makes anchors the way GitHub does', () => {
    expect([...anchorsOf(readFileSync(path.join(dir, 'docs', 'target.md'), 'utf8'))]).toEqual([
      'the-custody-page',
      'keys-tab--esc',
      'keys-tab--esc-1',
    ]);
  });

  it('reports a link to an allow-listed page once the allow-list no longer holds it', () => {
    expect(brokenLinks(dir, page)).toContain('docs/page.md:3: later.md (no such file)');
  });
});
