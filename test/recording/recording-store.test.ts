// The recording store over a real vault: files and rows, list filters, and export authorised and
// audited through core (auditors yes, password users no; password admins only by configuration).
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CustodyError,
  layoutOf,
  RecordingStore,
  SCREENS_SUFFIX,
  type Actor,
  type RecordingMeta,
  type RecordingRow,
} from '../../core/index.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

function meta(over: Partial<RecordingMeta> = {}): RecordingMeta {
  return {
    sessionId: 'sess',
    user: 'alice',
    target: 'web01/root',
    protocol: 'ssh',
    cols: 80,
    rows: 24,
    source: '10.0.0.9',
    startedAt: new Date('2026-02-03T10:00:00Z'),
    ...over,
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => (e instanceof CustodyError ? e.code : `unexpected ${String(e)}`),
  );
}

async function readAll(s: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('recording store', () => {
  let v: TestVault;
  let auditor: Actor;
  let user: Actor;
  let padmin: Actor;
  let recordingsDir: string;

  beforeAll(async () => {
    v = await createTestVault();
    auditor = await v.addUser('aud', 'auditor');
    user = await v.addUser('pu', 'password-user');
    padmin = await v.addUser('pa', 'password-admin');
    recordingsDir = layoutOf(v.home, contextOf(v.core).config).recordingsDir;
  }, 60_000);
  afterAll(async () => v?.close());

  const row = (id: string): Promise<RecordingRow | undefined> =>
    contextOf(v.core).store.read((r) => r.recordings.byId(id));

  it('creates <dir>/YYYY/MM/<id>.rec (0600 in 0700 folders) and a row that close completes', async () => {
    expect(v.core.recordings.dir).toBe(recordingsDir);
    const w = await v.core.recordings.open(meta({ sessionId: 's-files' }), 'strict');
    expect(w.castPath).toBe(path.join(recordingsDir, '2026', '02', `${w.id}.rec`));
    expect((await stat(w.castPath)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(w.castPath))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(recordingsDir, '2026'))).mode & 0o777).toBe(0o700);
    expect(await row(w.id)).toMatchObject({
      sessionId: 's-files',
      user: 'alice',
      target: 'web01/root',
      protocol: 'ssh',
      source: '10.0.0.9',
      startedAt: '2026-02-03T10:00:00.000Z',
      endedAt: null,
      path: `2026/02/${w.id}.rec`,
      status: 'recording',
    });
    w.output(Buffer.from('uptime\r\n'));
    w.input(Buffer.from('exit\r'));
    const summary = await w.close();
    const done = await row(w.id);
    expect(done).toMatchObject({ status: 'complete', events: 2, bytes: (await stat(w.castPath)).size });
    expect(done!.endedAt).not.toBeNull();
    expect(summary.bytes).toBe(done!.bytes);
  });

  it('lists with user, resource, since/until and limit filters, newest first', async () => {
    const mk = async (m: Partial<RecordingMeta>) => {
      const w = await v.core.recordings.open(meta(m), 'best-effort');
      await w.close();
      return w.id;
    };
    const a = await mk({ user: 'lf-ann', target: 'lfres/root', startedAt: new Date('2025-05-01T00:00:00Z') });
    const b = await mk({
      user: 'lf-ann',
      target: 'lfresx/admin',
      startedAt: new Date('2025-05-02T00:00:00Z'),
    });
    const c = await mk({
      user: 'lf-bob',
      target: 'lfres/oracle',
      startedAt: new Date('2025-05-03T00:00:00Z'),
    });
    const ids = async (f: Parameters<typeof v.core.recordings.list>[1]) =>
      (await v.core.recordings.list(auditor, f)).map((r) => r.id);
    expect(await ids({ user: 'lf-ann' })).toEqual([b, a]);
    // The resource is the part before '/': 'lfres' does not match 'lfresx/…'.
    expect(await ids({ resource: 'lfres' })).toEqual([c, a]);
    expect(await ids({ resource: 'lfresx' })).toEqual([b]);
    expect(await ids({ user: 'lf-ann', resource: 'lfres' })).toEqual([a]);
    expect(
      await ids({ since: '2025-05-02T00:00:00.000Z', until: '2025-05-03T00:00:00.000Z', resource: 'lfresx' }),
    ).toEqual([b]);
    expect(await ids({ since: '2025-05-01T12:00:00.000Z', until: '2025-05-04T00:00:00.000Z' })).toEqual([
      c,
      b,
    ]);
    expect(
      await ids({ since: '2025-01-01T00:00:00.000Z', until: '2025-12-31T00:00:00.000Z', limit: 1 }),
    ).toEqual([c]);
  });

  it('exports to auditors and administrators, audited; password users and admins are refused', async () => {
    const w = await v.core.recordings.open(meta({ sessionId: 's-export' }), 'strict');
    w.output(Buffer.from('export me €\r\n'));
    await w.close();

    const exp = await v.core.recordings.export(auditor, w.id, 'asciicast');
    expect(exp).toMatchObject({ id: w.id, format: 'asciicast', path: w.castPath });
    const text = await readAll(exp.open());
    // The file holds the recording encrypted: the export is the only way to the text.
    expect((await readFile(w.castPath)).includes(Buffer.from('export me'))).toBe(false);
    expect(exp.bytes).toBe(Buffer.byteLength(text));
    expect(text.split('\n')[1]).toMatch(/^\[\d+\.\d{6}, "o", "export me €\\r\\n"\]$/);
    expect(await codeOf(v.core.recordings.export(v.host, w.id))).toBe('ok');

    expect(await codeOf(v.core.recordings.export(user, w.id))).toBe('E_FORBIDDEN');
    expect(await codeOf(v.core.recordings.list(user, {}))).toBe('E_FORBIDDEN');
    // Password administrators read recordings only when audit.password_admins_read_audit is on.
    expect(await codeOf(v.core.recordings.export(padmin, w.id))).toBe('E_FORBIDDEN');
    expect(await codeOf(v.core.recordings.list(padmin, {}))).toBe('E_FORBIDDEN');
    expect(await codeOf(v.core.recordings.export(auditor, 'no-such-recording'))).toBe('E_NOT_FOUND');
    expect(await codeOf(v.core.recordings.export(auditor, w.id, 'mp4' as 'asciicast'))).toBe('E_VALIDATION');

    const exports = await v.core.audit.query(v.host, { type: 'recording.export', target: w.id });
    expect(exports.map((r) => [r.actor, r.code, r.result])).toEqual([
      [v.host.name, 'V100', 'success'],
      ['aud', 'V100', 'success'],
    ]);
    const denied = await v.core.audit.query(v.host, { type: 'authz.denied', actor: 'pu' });
    expect(
      denied.some((r) => r.targetName === w.id && JSON.parse(r.details).operation === 'recording.export'),
    ).toBe(true);
  });

  it('opens recordings for replay as it exports them (same permission, same audit row); keeps the screen index of finished ones', async () => {
    const w = await v.core.recordings.open(meta({ sessionId: 's-replay' }), 'strict');
    w.output(Buffer.from('replay me\r\n'));
    await w.close();
    expect(await codeOf(v.core.recordings.openReader(user, w.id))).toBe('E_FORBIDDEN');
    expect(await codeOf(v.core.recordings.openReader(padmin, w.id))).toBe('E_FORBIDDEN');
    expect(await codeOf(v.core.recordings.openReader(auditor, 'no-such-recording'))).toBe('E_NOT_FOUND');

    const first = await v.core.recordings.openReader(auditor, w.id);
    expect(first.rebuilt).toBe('it has no screen index yet');
    await first.prepare();
    await first.close();
    const screens = await stat(w.castPath + SCREENS_SUFFIX);
    expect(screens.mode & 0o777).toBe(0o600);
    const again = await v.core.recordings.openReader(auditor, w.id);
    expect(again.rebuilt).toBeUndefined();
    const { events } = await again.seek(0);
    expect((await events.next()).value).toMatchObject({ kind: 'o', data: 'replay me\r\n' });
    await again.close();
    const exports = await v.core.audit.query(v.host, { type: 'recording.export', target: w.id });
    expect(exports.map((r) => [r.actor, r.result])).toEqual([
      ['aud', 'success'],
      ['aud', 'success'],
    ]);

    // A recording still being written is read as far as it goes, and no screen index is kept.
    const live = await v.core.recordings.open(meta({ sessionId: 's-live' }), 'strict');
    live.output(Buffer.from('so far\r\n'));
    await live.committed();
    const reading = await v.core.recordings.openReader(auditor, live.id);
    await reading.prepare();
    await reading.close();
    await live.close();
    await expect(stat(live.castPath + SCREENS_SUFFIX)).rejects.toThrow(/ENOENT/);
  });

  it('marks a recording failed, and audits it, when writing fails', async () => {
    const handles: FileHandle[] = [];
    const store = new RecordingStore(contextOf(v.core), recordingsDir, {
      openFile: async (p) => {
        const h = await open(p, 'wx', 0o600);
        handles.push(h);
        return h;
      },
    });
    const w = await store.open(meta({ sessionId: 's-fail', user: 'failing-user' }), 'strict');
    expect(w.policy).toBe('strict');
    const failures: Error[] = [];
    w.onFailure((e) => failures.push(e));
    await handles[0]!.close();
    w.output(Buffer.from('never stored'));
    await w.flush();
    expect(failures).toHaveLength(1);
    await w.close();
    expect(await row(w.id)).toMatchObject({ status: 'failed' });
    await new Promise((r) => setTimeout(r, 50)); // the audit row is appended on its own
    const rows = await v.core.audit.query(v.host, { type: 'recording.fail', target: w.id });
    expect(rows.map((r) => [r.actor, r.code, r.result])).toEqual([['failing-user', 'V101', 'failure']]);
  });

  it('completes recordings still open when the core closes', async () => {
    const w = await v.core.recordings.open(meta({ sessionId: 's-open' }), 'best-effort');
    w.output(Buffer.from('still running'));
    await v.reopen();
    expect(await row(w.id)).toMatchObject({ status: 'complete', events: 1 });
  });
});

describe('recording store with audit.password_admins_read_audit = true', () => {
  let v: TestVault;
  afterAll(async () => v?.close());

  it('lets password administrators list and export', async () => {
    v = await createTestVault({ extraConfig: { audit: { password_admins_read_audit: true } } });
    const padmin = await v.addUser('pa', 'password-admin');
    const user = await v.addUser('pu', 'password-user');
    const w = await v.core.recordings.open(meta(), 'strict');
    await w.close();
    expect(await codeOf(v.core.recordings.list(padmin, {}))).toBe('ok');
    expect(await codeOf(v.core.recordings.export(padmin, w.id))).toBe('ok');
    expect(await codeOf(v.core.recordings.export(user, w.id))).toBe('E_FORBIDDEN');
  }, 60_000);
});
