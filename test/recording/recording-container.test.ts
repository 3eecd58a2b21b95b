// The encrypted, signed recording container through core's store: nothing the session showed is in
// any file under the recordings folder, yet the export plays it in the real `asciinema`; verify
// names each kind of tampering (a flipped byte, a dropped chunk, two chunks swapped, a truncation,
// a replaced manifest) and tells a crash from tampering; output that is not UTF-8 comes back byte
// for byte at about its own size; a bundle verifies offline with the real CLI; and key rotation
// killed midway and rerun leaves every recording exporting and verifying.
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AsciicastWriter,
  layoutOf,
  RecordingStore,
  type Actor,
  type RecordingMeta,
  type RecordingVerifyReport,
} from '../../core/index.ts';
import { openFileSource } from '../../core/recording/byte-source.ts';
import { FRAME_HEADER_BYTES } from '../../core/recording/container-format.ts';
import { scanContainer, type ContainerScan } from '../../core/recording/container-scan.ts';
import { rotateMasterKey } from '../../core/crypto/rotate-key.ts';
import { custody } from '../support/cli.ts';
import { contextOf } from '../support/core-internals.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

const run = promisify(execFile);
const CANARY = 'CANARY-7f3a-shown-on-screen';

function meta(over: Partial<RecordingMeta> = {}): RecordingMeta {
  return {
    sessionId: 'sess',
    user: 'alice',
    target: 'web01/root',
    protocol: 'ssh',
    cols: 80,
    rows: 24,
    source: '10.0.0.9',
    startedAt: new Date('2026-03-04T10:00:00Z'),
    ...over,
  };
}

async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

async function scanOf(file: string): Promise<ContainerScan> {
  const src = (await openFileSource(file))!;
  try {
    return await scanContainer(src);
  } finally {
    await src.close();
  }
}

const onPath = (cmd: string) =>
  (process.env.PATH ?? '').split(path.delimiter).some((d) => d && existsSync(path.join(d, cmd)));
const canPlay = (existsSync('/usr/bin/asciinema') || onPath('asciinema')) && onPath('script');

describe('recording container', () => {
  let v: TestVault;
  let auditor: Actor;
  let recordingsDir: string;
  let tmp: string;

  beforeAll(async () => {
    v = await createTestVault();
    auditor = await v.addUser('aud', 'auditor');
    recordingsDir = layoutOf(v.home, contextOf(v.core).config).recordingsDir;
    tmp = await mkdtemp(path.join(os.tmpdir(), 'custody-rec-'));
  }, 60_000);
  afterAll(async () => {
    await v?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const verify = async (id: string): Promise<RecordingVerifyReport> =>
    (await v.core.recordings.verify(auditor, [id]))[0]!;

  /** A closed recording of `n` + 1 chunks (the cast header, then one flush each). */
  async function recording(n: number, label = 'chunk'): Promise<{ id: string; file: string }> {
    const w = await v.core.recordings.open(meta({ sessionId: `s-${label}` }), 'strict');
    for (let i = 0; i < n; i++) {
      w.output(Buffer.from(`${label} ${i} ${'x'.repeat(40)}\r\n`));
      await w.flush();
    }
    await w.close();
    return { id: w.id, file: w.castPath };
  }

  it('keeps no text the session showed in any file under the recordings folder, and the export plays it', async () => {
    const w = await v.core.recordings.open(meta({ sessionId: 's-canary' }), 'strict');
    w.output(Buffer.from(`$ echo ${CANARY}\r\n${CANARY}\r\n`));
    w.input(Buffer.from(`typed ${CANARY}`));
    w.marker(`command: echo ${CANARY}`);
    await w.close();
    // A replay draws and keeps the screen index: it holds what the terminal showed, so it too is sealed.
    const reader = await v.core.recordings.openReader(auditor, w.id);
    await reader.prepare();
    await reader.close();
    const files = await filesUnder(recordingsDir);
    expect(files.some((f) => f.endsWith('.rec.screens'))).toBe(true);
    for (const f of files) expect((await readFile(f)).includes(Buffer.from('CANARY')), f).toBe(false);
    // The same with grep itself, as an auditor would look: no file matches (grep exits 1).
    const grep = await run('grep', ['-rl', 'CANARY', recordingsDir]).then(
      () => 0,
      (e: { code?: number }) => e.code,
    );
    expect(grep).toBe(1);

    const exp = await v.core.recordings.export(auditor, w.id, 'asciicast');
    const cast = await readAll(exp.open());
    expect(cast.length).toBe(exp.bytes);
    expect(cast.toString('utf8')).toContain(CANARY);
    expect(JSON.parse(cast.toString('utf8').split('\n')[0]!)).toMatchObject({ version: 2, width: 80 });
    if (canPlay) {
      const castFile = path.join(tmp, 'canary.cast');
      const out = path.join(tmp, 'canary.out');
      await writeFile(castFile, cast);
      await run('script', ['-qec', `asciinema cat '${castFile}' > '${out}'`, '/dev/null'], {
        env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
        timeout: 30_000,
      });
      expect(await readFile(out, 'utf8')).toContain(`${CANARY}\r\n`);
    }
    expect(await verify(w.id)).toMatchObject({
      status: 'intact',
      reason: expect.stringMatching(/^intact: /),
    });
  });

  it('names each kind of tampering: flipped byte, dropped chunk, swapped chunks, truncation, replaced manifest', async () => {
    const { id, file } = await recording(5, 'tamper');
    const other = await recording(2, 'other');
    const original = await readFile(file);
    const scan = await scanOf(file);
    expect(scan.frames).toHaveLength(6);
    const frame = (i: number) => {
      const f = scan.frames[i]!;
      return original.subarray(f.at, f.at + FRAME_HEADER_BYTES + f.bodyLength);
    };
    const head = original.subarray(0, scan.frames[0]!.at);
    const manifest = original.subarray(scan.manifest!.at);
    const frames = [0, 1, 2, 3, 4, 5].map(frame);
    const check = async (bytes: Buffer) => {
      await writeFile(file, bytes);
      try {
        return await verify(id);
      } finally {
        await writeFile(file, original);
      }
    };

    expect(await verify(id)).toMatchObject({ status: 'intact' });

    const flipped = Buffer.from(original);
    flipped[scan.frames[2]!.at + FRAME_HEADER_BYTES + 5]! ^= 0x01;
    expect(await check(flipped)).toMatchObject({
      status: 'tampered',
      firstBad: 2,
      reason: expect.stringMatching(/chunk 2 (is damaged|fails authentication)/),
    });

    const lastFlipped = Buffer.from(original);
    lastFlipped[scan.frames[5]!.at + FRAME_HEADER_BYTES + 1]! ^= 0x80;
    expect(await check(lastFlipped)).toMatchObject({ status: 'tampered', firstBad: 5 });

    const dropped = Buffer.concat([head, ...frames.filter((_, i) => i !== 3), manifest]);
    expect(await check(dropped)).toMatchObject({
      status: 'tampered',
      firstBad: 3,
      reason: 'chunk 3 is missing: chunk 4 follows chunk 2',
    });

    const swapped = Buffer.concat([
      head,
      frames[0]!,
      frames[1]!,
      frames[3]!,
      frames[2]!,
      frames[4]!,
      frames[5]!,
      manifest,
    ]);
    expect(await check(swapped)).toMatchObject({
      status: 'tampered',
      firstBad: 2,
      reason: 'chunks out of order: chunk 3 stands where chunk 2 should be',
    });

    const cutMidChunk = original.subarray(0, scan.frames[4]!.at + 30);
    expect(await check(cutMidChunk)).toMatchObject({
      status: 'tampered',
      reason: 'truncated: the file ends inside chunk 4 and has no manifest',
    });
    const cutAtManifest = original.subarray(0, scan.manifest!.at);
    expect(await check(cutAtManifest)).toMatchObject({
      status: 'tampered',
      reason: 'the manifest is missing (truncated after chunk 5)',
    });
    const lastChunksGone = Buffer.concat([head, ...frames.slice(0, 4), manifest]);
    expect(await check(lastChunksGone)).toMatchObject({
      status: 'tampered',
      reason: 'truncated: the manifest names 6 chunks, the file holds 4',
    });

    const otherBytes = await readFile(other.file);
    const otherManifest = otherBytes.subarray((await scanOf(other.file)).manifest!.at);
    expect(await check(Buffer.concat([head, ...frames, otherManifest]))).toMatchObject({
      status: 'tampered',
      reason: 'the manifest belongs to another recording (replaced)',
    });
    const edited = Buffer.from(
      manifest.toString('latin1').replace('"status":"complete"', '"status":"COMPLETE"'),
      'latin1',
    );
    expect(await check(Buffer.concat([head, ...frames, edited]))).toMatchObject({
      status: 'tampered',
      reason: "the manifest's signature does not verify with the node's key (replaced or edited)",
    });
    expect(await verify(id)).toMatchObject({ status: 'intact' });

    // Every kind is also an exit code 3 from the real CLI, naming the chunk.
    await writeFile(file, swapped);
    const r = await custody(['--home', v.home, 'recordings', 'verify', id]);
    await writeFile(file, original);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toContain('chunk 3 stands where chunk 2 should be');
  });

  it('a recording its node stopped writing is sealed at the next start and verifies as cut short, not tampered', async () => {
    const w = await v.core.recordings.open(meta({ sessionId: 's-crash' }), 'strict');
    w.output(Buffer.from('before the crash\r\n'));
    await w.flush();
    const file = w.castPath;
    // What a killed node leaves: whole chunks, the last one torn, no manifest, the row `recording`.
    await copyFile(file, file + '.crash');
    w.output(Buffer.from('x'.repeat(500)));
    await w.flush();
    const torn = (await readFile(file)).subarray(0, (await stat(file + '.crash')).size + 40);
    expect(await verify(w.id)).toMatchObject({ status: 'in-progress' });
    const fresh = new RecordingStore(contextOf(v.core), recordingsDir, {
      signingKeyFile: v.core.recordings.signingKeyFile,
    });
    (w as unknown as { close(): Promise<unknown> }).close = () => Promise.resolve(undefined);
    await writeFile(file, torn);
    await rm(file + '.crash');
    const settled = await fresh.settleInterrupted();
    expect(settled.map((r) => [r.id, r.status])).toContainEqual([w.id, 'interrupted']);
    const report = await verify(w.id);
    expect(report).toMatchObject({ status: 'cut-short' });
    expect(report.reason).toMatch(/^cut short at \d+\.\d s/);
    const text = (await readAll((await v.core.recordings.export(auditor, w.id)).open())).toString('utf8');
    expect(text).toContain('before the crash');
  });

  it('a file transfer its node stopped recording is sealed too, with its operations counted', async () => {
    const w = await v.core.recordings.openFileTransfer(
      meta({ sessionId: 's-ft-crash', protocol: 'sftp' }),
      'strict',
      false,
    );
    w.operation({ op: 'open', path: '/srv/x', flags: 'read', result: 'ok' });
    w.operation({ op: 'read', path: '/srv/x', offset: 0, size: 10, result: 'ok' });
    await w.flush();
    (w as unknown as { close(): Promise<unknown> }).close = () => Promise.resolve(undefined);
    const fresh = new RecordingStore(contextOf(v.core), recordingsDir, {
      signingKeyFile: v.core.recordings.signingKeyFile,
    });
    const settled = await fresh.settleInterrupted();
    expect(settled.find((r) => r.id === w.id)).toMatchObject({ status: 'interrupted', events: 2 });
    expect(await verify(w.id)).toMatchObject({ status: 'cut-short' });
    const text = (await readAll((await v.core.recordings.export(auditor, w.id, 'text')).open())).toString(
      'utf8',
    );
    expect(text).toMatch(/read +\/srv\/x offset=0 size=10/);
  });

  it('keeps NUL bytes and control characters byte for byte at about their own size; the cast is unchanged', async () => {
    const w = await v.core.recordings.open(meta({ sessionId: 's-nul' }), 'strict');
    // What `head -c N /dev/zero` or a binary file of small values sends: valid UTF-8, but each
    // byte is a six-character JSON escape if stored as a cast line.
    const sent = Buffer.concat([
      Buffer.alloc(1024 * 1024),
      Buffer.from(randomBytes(1024 * 1024).map((b) => b & 0x1f)),
      Buffer.from('plain text line\r\n'),
    ]);
    for (let at = 0; at < sent.length; at += 32 * 1024) w.output(sent.subarray(at, at + 32 * 1024));
    await w.close();
    expect((await stat(w.castPath)).size).toBeLessThan(sent.length * 1.1);
    const raw = await v.core.recordings.export(auditor, w.id, 'raw');
    const back = await readAll(raw.open());
    expect(back.equals(sent)).toBe(true);
    // The player's cast shows the same text events as before: every byte as its JSON escape.
    const cast = (await readAll((await v.core.recordings.export(auditor, w.id)).open())).toString('utf8');
    const events = cast
      .split('\n')
      .filter(Boolean)
      .slice(1)
      .map((l) => JSON.parse(l) as [number, string, string]);
    expect(events.every((e) => e[1] === 'o')).toBe(true);
    expect(events.map((e) => e[2]).join('')).toBe(sent.toString('utf8'));
    expect(await verify(w.id)).toMatchObject({ status: 'intact' });
  });

  it('keeps output that is not UTF-8 byte for byte, at about its own size', async () => {
    const w = await v.core.recordings.open(meta({ sessionId: 's-binary' }), 'strict');
    const sent = randomBytes(4 * 1024 * 1024);
    for (let at = 0; at < sent.length; at += 32 * 1024) w.output(sent.subarray(at, at + 32 * 1024));
    await w.close();
    const size = (await stat(w.castPath)).size;
    expect(size).toBeLessThan(sent.length * 1.1);
    const raw = await v.core.recordings.export(auditor, w.id, 'raw');
    const back = await readAll(raw.open());
    expect(raw.bytes).toBe(sent.length);
    expect(createHash('sha256').update(back).digest('hex')).toBe(
      createHash('sha256').update(sent).digest('hex'),
    );
    // The cast the player gets is still valid asciicast (invalid bytes shown as U+FFFD).
    const cast = (await readAll((await v.core.recordings.export(auditor, w.id)).open())).toString('utf8');
    const lines = cast.split('\n').filter(Boolean);
    expect(lines.slice(1).every((l) => Array.isArray(JSON.parse(l)))).toBe(true);
    // Replay seeks through raw records as through text: keyframes land on event lines of the cast
    // view, drawn once and then read back from the sealed screen index.
    for (let pass = 0; pass < 2; pass++) {
      const reader = await v.core.recordings.openReader(auditor, w.id);
      const { keyframe, events } = await reader.seek(reader.duration / 2);
      const next = await events.next();
      expect(next.done).toBe(false);
      expect(next.value!.t).toBeGreaterThanOrEqual(keyframe.t);
      if (pass === 1) expect(reader.rebuilt).toBeUndefined();
      await reader.close();
    }
    expect(await verify(w.id)).toMatchObject({ status: 'intact' });
  });

  it('exports a bundle that the real CLI verifies offline, with no home; a changed byte exits 3', async () => {
    const { id } = await recording(3, 'bundle');
    const exp = await v.core.recordings.export(auditor, id, 'bundle');
    const bundle = path.join(tmp, 'r.bundle');
    await writeFile(bundle, await readAll(exp.open()));
    expect((await readFile(bundle)).includes(Buffer.from('bundle 1'))).toBe(false);
    const pub = path.join(tmp, 'node.pub');
    const pk = await custody(['--home', v.home, 'recordings', 'pubkey']);
    expect(pk.code, pk.stderr).toBe(0);
    expect(pk.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    await writeFile(pub, pk.stdout);

    const ok = await custody(['recordings', 'verify', '--bundle', bundle, '--pubkey', pub, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject([{ id, status: 'intact', trusted: true }]);

    // Another node's key does not vouch for it.
    const otherHome = await mkdtemp(path.join(os.tmpdir(), 'custody-other-'));
    const otherKey = path.join(otherHome, 'k.pub');
    const { generateKeyPairSync } = await import('node:crypto');
    await writeFile(
      otherKey,
      generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const foreign = await custody(['recordings', 'verify', '--bundle', bundle, '--pubkey', otherKey]);
    expect(foreign.code).toBe(3);
    expect(foreign.stdout).toMatch(/signature does not verify/);

    const bytes = await readFile(bundle);
    bytes[bytes.length - 200]! ^= 0x04;
    await writeFile(bundle, bytes);
    const bad = await custody(['recordings', 'verify', '--bundle', bundle]);
    expect(bad.code).toBe(3);
    await rm(otherHome, { recursive: true, force: true });
  });

  it('lists, replays and exports a recording made before encryption; verify calls it legacy (exit 4)', async () => {
    const id = 'legacy-rec-1';
    const rel = '2025/01/legacy-rec-1.cast';
    const castPath = path.join(recordingsDir, rel);
    await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(castPath), { recursive: true }));
    const w = await AsciicastWriter.create({
      id,
      castPath,
      meta: meta({ startedAt: new Date('2025-01-02T00:00:00Z') }),
      clock: contextOf(v.core).clock,
    });
    w.output(Buffer.from('old plain recording\r\n'));
    await w.close();
    await contextOf(v.core).store.tx((r) =>
      r.recordings.insert({
        id,
        sessionId: 's-legacy',
        user: 'alice',
        target: 'web01/root',
        protocol: 'ssh',
        source: 'x',
        startedAt: '2025-01-02T00:00:00.000Z',
        endedAt: '2025-01-02T00:01:00.000Z',
        path: rel,
        bytes: 10,
        events: 1,
        status: 'complete',
      }),
    );
    expect((await v.core.recordings.list(auditor, { limit: 1000 })).map((r) => r.id)).toContain(id);
    const text = (await readAll((await v.core.recordings.export(auditor, id)).open())).toString('utf8');
    expect(text).toContain('old plain recording');
    const reader = await v.core.recordings.openReader(auditor, id);
    const { events } = await reader.seek(0);
    expect((await events.next()).value).toMatchObject({ data: 'old plain recording\r\n' });
    await reader.close();
    expect(await verify(id)).toMatchObject({
      status: 'legacy',
      reason: expect.stringMatching(/legacy.*not signed/),
    });
    const r = await custody(['--home', v.home, 'recordings', 'verify', id]);
    expect(r.code, r.stderr).toBe(4);
    // --all: nothing tampered, one legacy among them, so 4; every recording reported.
    const all = await custody(['--home', v.home, 'recordings', 'verify', '--all', '--json']);
    expect(all.code, all.stderr).toBe(4);
    const reports = JSON.parse(all.stdout) as RecordingVerifyReport[];
    expect(reports.length).toBe((await v.core.recordings.list(auditor, { limit: 10_000 })).length);
    expect(reports.map((x) => x.status)).toContain('legacy');
    expect(reports.map((x) => x.status)).not.toContain('tampered');
  });

  it('key rotation with recordings present, killed midway and rerun: every recording still exports and verifies', async () => {
    const made = [await recording(2, 'rot-a'), await recording(2, 'rot-b'), await recording(2, 'rot-c')];
    const ctx = contextOf(v.core);
    const layout = layoutOf(v.home, ctx.config);
    const o = {
      store: ctx.store,
      keyFile: layout.keyFile,
      clock: ctx.clock,
      auditLog: ctx.auditLog,
      actor: { name: 'admin', source: 'test' },
      batchSize: 1,
    };
    let moved = 0;
    await expect(
      rotateMasterKey({
        ...o,
        onProgress: (done) => {
          moved = done;
          if (done >= 2) throw new Error('killed midway');
        },
      }),
    ).rejects.toThrow(/killed midway/);
    expect(moved).toBe(2);
    // Midway: some rows under the new key, some under the old; all readable (the key file holds both).
    for (const m of made) expect(await verify(m.id)).toMatchObject({ status: 'intact' });
    const rerun = await rotateMasterKey(o);
    expect(rerun.resumed).toBe(true);
    await v.reopen();
    for (const m of made) {
      expect(await verify(m.id)).toMatchObject({ status: 'intact' });
      const text = (await readAll((await v.core.recordings.export(auditor, m.id)).open())).toString('utf8');
      expect(text).toContain('rot-');
      // The recordings themselves were not rewritten.
      expect((await scanOf(m.file)).frames).toHaveLength(3);
    }
    const sealed = await contextOf(v.core).store.read((r) => r.recordings.sealedKeyOf(made[0]!.id));
    expect(sealed).toContain(`.${rerun.keyId}.`);
  }, 120_000);
});
