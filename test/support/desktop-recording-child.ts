// A gateway stand-in that records a desktop session until it is killed: it opens the Custody home
// given, starts a desktop recording, paints `squareStep` 1, 2, 3… and, after every fifth square,
// waits for the flush and prints `flushed N` (squares 1..N are on disk). The crash test kills it
// with SIGKILL mid-write and checks what the next start makes of the file.
import { openCore } from '../../core/index.ts';
import { CHILD_SCREEN, RawFramebuffer, squareStep } from './raw-framebuffer.ts';

const home = process.argv[2];
if (home) {
  const { core } = await openCore({ home });
  const w = await core.system.openDesktopRecording(
    {
      sessionId: 's-desktop-crash',
      user: 'alice',
      target: 'win01/admin',
      protocol: 'rdp',
      cols: 0,
      rows: 0,
      source: '10.0.0.9',
      startedAt: new Date(),
    },
    'strict',
    { size: CHILD_SCREEN, framebuffer: (width, height) => new RawFramebuffer(width, height) },
  );
  process.stdout.write(`id ${w.id}\n`);
  for (let step = 1; ; step++) {
    w.update([squareStep(step, CHILD_SCREEN.width, CHILD_SCREEN.height)]);
    if (step === 20) w.marker('before the crash');
    if (step % 5 === 0) {
      await w.drained();
      process.stdout.write(`flushed ${step}\n`);
    }
    // Painting goes on slowly after the first flushes, so the kill lands mid-session.
    if (step > 40) await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
