// Files the CLI writes where an operator says: cli/safe-output.ts refuses an existing file without
// --force, symlinks, the key files and the data folder (even with --force), and writes 0600 through
// a temp file. Then the real `custody recordings export --output`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CustodyError, layoutOf, type HomeLayout } from '../../core/index.ts';
import { writeOutputFile } from '../../cli/safe-output.ts';
import { custody } from '../support/cli.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

let v: TestVault;
let layout: HomeLayout;
let out: string;

beforeAll(async () => {
  v = await createTestVault();
  layout = layoutOf(v.home, contextOf(v.core).config);
  out = path.join(v.home, 'out');
  await mkdir(out);
}, 60_000);
afterAll(async () => v?.close());

const put = (file: string, text: string, force = false) =>
  writeOutputFile(file, { force, layout }, async (fh) => {
    await fh.write(text);
  });

async function refusal(p: Promise<unknown>): Promise<CustodyError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CustodyError);
  expect((e as CustodyError).code).toBe('E_USAGE');
  return e as CustodyError;
}

describe('writeOutputFile', () => {
  it('writes a new file with mode 0600 and leaves no temp file', async () => {
    const f = path.join(out, 'new.cast');
    expect(await put(f, 'hello')).toBe(f);
    expect(await readFile(f, 'utf8')).toBe('hello');
    expect((await stat(f)).mode & 0o777).toBe(0o600);
    expect((await readdir(out)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses an existing file without force and keeps it; replaces it with force', async () => {
    const f = path.join(out, 'exists.txt');
    await writeFile(f, 'old');
    const e = await refusal(put(f, 'new'));
    expect(e.message).toMatch(/exists: pass --force/);
    expect(await readFile(f, 'utf8')).toBe('old');
    await put(f, 'new', true);
    expect(await readFile(f, 'utf8')).toBe('new');
    expect((await stat(f)).mode & 0o777).toBe(0o600);
  });

  it('refuses a symlink even with force, and its target stays as it was', async () => {
    const victim = path.join(out, 'victim');
    await writeFile(victim, 'precious');
    const link = path.join(out, 'link');
    await symlink(victim, link);
    const e = await refusal(put(link, 'x', true));
    expect(e.details).toMatchObject({ reason: 'symlink' });
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
  });

  it('refuses the master key file, even with force', async () => {
    const before = await readFile(layout.keyFile, 'utf8');
    const e = await refusal(put(layout.keyFile, 'x', true));
    expect(e.details).toMatchObject({ reason: 'key-file' });
    expect(await readFile(layout.keyFile, 'utf8')).toBe(before);
  });

  it('refuses anything inside the data folder, even with force and through a symlinked folder', async () => {
    const e = await refusal(put(path.join(layout.dataDir, 'x.cast'), 'x', true));
    expect(e.details).toMatchObject({ reason: 'protected-folder' });
    const sneaky = path.join(out, 'to-data');
    await symlink(layout.dataDir, sneaky);
    await refusal(put(path.join(sneaky, 'custody.sqlite'), 'x', true));
    expect((await stat(layout.sqliteFile)).size).toBeGreaterThan(1);
  });

  it('refuses what is not a regular file', async () => {
    const d = path.join(out, 'a-folder');
    await mkdir(d);
    const e = await refusal(put(d, 'x', true));
    expect(e.details).toMatchObject({ reason: 'not-a-file' });
  });

  it('a failed write leaves neither the file nor a temp file', async () => {
    const f = path.join(out, 'fails.cast');
    await expect(
      writeOutputFile(f, { layout }, async (fh) => {
        await fh.write('part');
        throw new Error('recording gone');
      }),
    ).rejects.toThrow('recording gone');
    await expect(stat(f)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(out)).filter((n) => n.startsWith('.fails'))).toEqual([]);
  });
});

describe('custody recordings export --output', () => {
  let id: string;
  beforeAll(async () => {
    const w = await v.core.recordings.open(
      {
        sessionId: 's1',
        user: 'admin',
        target: 'web01/root',
        protocol: 'ssh',
        cols: 80,
        rows: 24,
        source: 'test',
        startedAt: new Date(),
      },
      'strict',
    );
    w.output(Buffer.from('EXPORT-ME\r\n'));
    id = (await w.close()).id;
  });

  it('refuses the key file with --force (the key stays) and an existing file without it', async () => {
    const before = await readFile(layout.keyFile, 'utf8');
    const r = await custody([
      '--home',
      v.home,
      'recordings',
      'export',
      id,
      '--output',
      layout.keyFile,
      '--force',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^custody: E_USAGE: .*key file/);
    expect(await readFile(layout.keyFile, 'utf8')).toBe(before);
    const existing = path.join(out, 'existing.cast');
    await writeFile(existing, 'keep');
    const r2 = await custody(['--home', v.home, 'recordings', 'export', id, '--output', existing]);
    expect(r2.code).toBe(2);
    expect(await readFile(existing, 'utf8')).toBe('keep');
    // Refused before the export: no recording.export row for these two.
    const rows = await contextOf(v.core).store.read((x) => x.audit.query({ type: 'recording.export' }));
    expect(rows).toHaveLength(0);
  });

  it('writes a new file 0600 with the recording', async () => {
    const f = path.join(out, 'fresh.cast');
    const r = await custody(['--home', v.home, 'recordings', 'export', id, '--output', f]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(f, 'utf8')).toContain('EXPORT-ME');
    expect((await stat(f)).mode & 0o777).toBe(0o600);
  });
});
