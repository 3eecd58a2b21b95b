// Desktop recordings through the store: a writer process killed mid-session leaves a recording
// that the next start seals as cut short and that replays up to its last flush; the list shows
// the session as the RDP session it was.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { layoutOf, REPOSITORY_ROOT, type Actor } from '../../core/index.ts';
import { ManualClock } from '../../core/runtime.ts';
import { Framebuffer } from '../../protocols/rdp/codec/index.ts';
import { custody } from '../support/cli.ts';
import { openTimeline, sealTimeline } from '../../core/recording/desktop-timeline-file.ts';
import { RecordingStore } from '../../core/recording/recording-store.ts';
import { contextOf } from '../support/core-internals.ts';
import { CHILD_SCREEN, RawFramebuffer, squareStep } from '../support/raw-framebuffer.ts';
import { createTestVault, type TestVault } from '../support/vault.ts';

const fb = (w: number, h: number) => new RawFramebuffer(w, h);

/** Runs the recording child until it reports `atLeast` squares flushed, then kills it (SIGKILL). */
async function recordAndKill(home: string, atLeast: number): Promise<{ id: string; flushed: number }> {
  const child = spawn(
    process.execPath,
    [path.join(REPOSITORY_ROOT, 'bin', 'run-ts.mjs'), 'test/support/desktop-recording-child.ts', home],
    { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, s) => resolve(s)));
  let id = '';
  let flushed = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('id ')) id = line.slice(3);
    const m = /^flushed (\d+)$/.exec(line);
    if (m) flushed = Number(m[1]);
    if (flushed >= atLeast) {
      child.kill('SIGKILL');
      break;
    }
  }
  expect(await exited).toBe('SIGKILL');
  return { id, flushed };
}

describe('desktop recordings in the store', () => {
  let v: TestVault;
  let auditor: Actor;
  let tmp: string;
  const clock = new ManualClock('2026-03-04T10:00:00Z');

  beforeAll(async () => {
    v = await createTestVault({ clock });
    auditor = await v.addUser('aud', 'auditor');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'custody-still-'));
  }, 60_000);
  afterAll(async () => {
    await v?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('exports the screen at a moment as a PNG of the replayed pixels; the CLI lists it as rdp, exports and verifies it', async () => {
    const w = await v.core.system.openDesktopRecording(
      {
        sessionId: 's-still',
        user: 'alice',
        target: 'win01/admin',
        protocol: 'rdp',
        cols: 0,
        rows: 0,
        source: '10.0.0.9',
        startedAt: clock.now(),
      },
      'strict',
      { size: { width: 240, height: 160 } },
    );
    const truth = new Framebuffer(240, 160);
    const shots = new Map<number, Uint8ClampedArray>([[0, truth.snapshot()]]);
    for (let i = 1; i <= 12; i++) {
      clock.advance(1000);
      const rect = squareStep(i, 240, 160);
      w.update([rect]);
      truth.apply(rect);
      await w.drained();
      shots.set(i, truth.snapshot());
    }
    await w.close();
    const pixelsOf = (png: Buffer) => {
      const img = PNG.sync.read(png);
      return { size: [img.width, img.height], data: img.data };
    };
    const readAll = async (s: NodeJS.ReadableStream) => {
      const parts: Buffer[] = [];
      for await (const c of s) parts.push(c as Buffer);
      return Buffer.concat(parts);
    };
    for (const [at, after] of [
      [0.5, 0],
      [5.5, 5],
      [7, 7],
    ] as const) {
      const exp = await v.core.recordings.export(auditor, w.id, 'png', { at });
      expect(exp.at).toBe(at);
      const got = pixelsOf(await readAll(exp.open()));
      expect(got.size).toEqual([240, 160]);
      expect(got.data.equals(Buffer.from(shots.get(after)!)), `the still at ${at} s`).toBe(true);
    }
    await expect(v.core.recordings.export(auditor, w.id, 'asciicast')).rejects.toThrow(
      /a desktop recording exports as png \(the screen at --at SECONDS\) or bundle, not asciicast/,
    );

    const list = await custody(['--home', v.home, 'recordings', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${w.id} .* rdp `));
    const file = path.join(tmp, 'end.png');
    const exported = await custody([
      '--home',
      v.home,
      'recordings',
      'export',
      w.id,
      '--format',
      'png',
      '--output',
      file,
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`exported recording ${w.id} at 12.000 s`);
    expect(pixelsOf(await readFile(file)).data.equals(Buffer.from(shots.get(12)!))).toBe(true);
    const refused = await custody(['--home', v.home, 'recordings', 'export', w.id, '--format', 'raw']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('a desktop recording exports as png');
    const verified = await custody(['--home', v.home, 'recordings', 'verify', w.id]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('intact');
  }, 120_000);

  it('a writer killed mid-session: the next start seals it cut short, and it replays to its last flush', async () => {
    const { id, flushed } = await recordAndKill(v.home, 40);
    expect(id).not.toBe('');
    const row = (await v.core.recordings.list(auditor, {})).find((r) => r.id === id);
    expect(row).toMatchObject({ id, protocol: 'rdp', status: 'recording' });

    const fresh = new RecordingStore(
      contextOf(v.core),
      layoutOf(v.home, contextOf(v.core).config).recordingsDir,
      {
        signingKeyFile: v.core.recordings.signingKeyFile,
      },
    );
    const settled = (await fresh.settleInterrupted()).find((r) => r.id === id);
    expect(settled).toMatchObject({ status: 'interrupted' });
    const [report] = await v.core.recordings.verify(auditor, [id]);
    expect(report).toMatchObject({ status: 'cut-short' });

    const reader = await v.core.recordings.openDesktopReader(auditor, id, fb);
    const last = await reader.frameAt(reader.duration);
    expect(await reader.markers()).toMatchObject([{ label: 'before the crash' }]);
    await reader.close();
    // The last screen is the one after some number of squares k, at least what was reported
    // flushed before the kill (more may have reached the disk before the signal did).
    const truth = new RawFramebuffer(CHILD_SCREEN.width, CHILD_SCREEN.height);
    let k = 0;
    const same = () => {
      const want = truth.snapshot();
      for (let i = 3; i < want.length; i += 4) want[i] = 255;
      return Buffer.from(want).equals(Buffer.from(last.rgba));
    };
    for (; k < flushed; k++) truth.apply(squareStep(k + 1, CHILD_SCREEN.width, CHILD_SCREEN.height));
    while (!same() && k < flushed + 5000)
      truth.apply(squareStep(++k, CHILD_SCREEN.width, CHILD_SCREEN.height));
    expect(same(), `the last screen is that after ${flushed} squares or more`).toBe(true);
    // Every square written is counted, with the opening size and the marker.
    expect(settled!.events).toBe(k + 2);
  }, 60_000);

  it("a finished recording's player timeline is built once and kept beside it, sealed and tied to its manifest", async () => {
    const w = await v.core.system.openDesktopRecording(
      {
        sessionId: 's-timeline',
        user: 'alice',
        target: 'win01/admin',
        protocol: 'rdp',
        cols: 0,
        rows: 0,
        source: '10.0.0.9',
        startedAt: clock.now(),
      },
      'strict',
      { size: { width: 240, height: 160 } },
    );
    w.marker('distinctive marker label');
    for (let i = 1; i <= 8; i++) {
      clock.advance(1000);
      w.update([squareStep(i, 240, 160)]);
      await w.drained();
    }
    // While it is being written, nothing is kept (it is not final).
    const file = `${v.core.recordings.pathOf((await v.core.recordings.list(auditor, {})).find((r) => r.id === w.id)!)}.timeline`;
    expect((await v.core.recordings.desktopTimeline(auditor, w.id)).durationMs).toBe(8000);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
    await w.close();

    const built = await v.core.recordings.desktopTimeline(auditor, w.id);
    expect(built.markers).toEqual([{ t: 0, label: 'distinctive marker label' }]);
    const kept = await readFile(file);
    expect(kept.subarray(0, 8).toString('latin1')).toBe('CSTDBLB1');
    expect(kept.toString('latin1')).not.toContain('distinctive');

    // What is kept is what is served: a sealed stand-in for this manifest is returned as it is…
    const key = (await v.core.recordings.dataKeyOf(w.id))!;
    const [report] = await v.core.recordings.verify(auditor, [w.id]);
    expect(report).toMatchObject({ status: 'intact' });
    const reader = await v.core.recordings.openDesktopReader(auditor, w.id);
    const chunks = reader.chunks;
    await reader.close();
    const m = JSON.parse(
      (
        await readFile(
          v.core.recordings.pathOf((await v.core.recordings.list(auditor, {})).find((r) => r.id === w.id)!),
        )
      )
        .toString('latin1')
        .match(/\{"format":"custody-recording-manifest"[^}]*\}/)![0],
    ) as { lastHash: string; chunks: number };
    expect(m.chunks).toBe(chunks);
    const standIn = { ...built, markers: [{ t: 1, label: 'stand-in' }] };
    await writeFile(file, sealTimeline(key, w.id, { lastHash: m.lastHash, chunks }, standIn));
    expect((await v.core.recordings.desktopTimeline(auditor, w.id)).markers).toEqual(standIn.markers);
    // …one sealed for another manifest, or damaged, is built again (and replaced).
    await writeFile(file, sealTimeline(key, w.id, { lastHash: '00'.repeat(32), chunks }, standIn));
    expect(await v.core.recordings.desktopTimeline(auditor, w.id)).toEqual(built);
    const damaged = Buffer.from(await readFile(file));
    damaged[damaged.length - 3] = damaged[damaged.length - 3]! ^ 1;
    await writeFile(file, damaged);
    expect(await v.core.recordings.desktopTimeline(auditor, w.id)).toEqual(built);
    expect(openTimeline(key, w.id, { lastHash: m.lastHash, chunks }, await readFile(file))).toEqual(built);
  });
});
