// Desktop recordings through the store: a writer process killed mid-session leaves a recording
// that the next start seals as cut short and that replays up to its last flush; the list shows
// the session as the RDP session it was.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutOf, REPOSITORY_ROOT, type Actor } from '../../core/index.ts';
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

  beforeAll(async () => {
    v = await createTestVault();
    auditor = await v.addUser('aud', 'auditor');
  }, 60_000);
  afterAll(async () => {
    await v?.close();
  });

  it('a writer killed mid-session: the next start seals it cut short, and it replays to its last flush', async () => {
    const { id, flushed } = await recordAndKill(v.home, 40);
    expect(id).not.toBe('');
    const [row] = await v.core.recordings.list(auditor, {});
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
});
