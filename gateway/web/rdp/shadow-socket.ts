// A read-only viewer of a live desktop session (an administrator's shadow from the Live page).
// It is fed by core's `live.shadow`, whose events for a desktop session are viewer-protocol
// frames already: the first is the current screen as a keyframe (a late joiner sees what the
// operator sees at once), then the live rectangles. A shadow that cannot keep up waits for its
// socket to drain; meanwhile the registry drops what it has not read and gives it a fresh
// keyframe in its place, so a slow shadow never slows the session. Nothing a shadow sends is
// read: its input never reaches the session.
import type { WebSocket } from 'ws';
import { NotFoundError, type Actor, type Core, type Timers } from '../../../core/index.ts';
import { encodeEnd } from '../../../protocols/rdp/viewer-protocol.ts';
import { operatorMessage } from '../../session/types.ts';

/** Bytes queued on a shadow's socket before it waits for them to drain. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const DRAIN_CHECK_MS = 50;

export async function shadowDesktop(
  ws: WebSocket,
  core: Core,
  actor: Actor,
  id: string,
  timers: Timers,
): Promise<void> {
  ws.on('error', () => undefined);
  ws.on('message', () => undefined);
  const fail = (reason: string) => {
    if (ws.readyState === ws.OPEN) {
      ws.send(encodeEnd(reason));
      ws.close(1000, 'no session');
    }
  };
  let shadow;
  try {
    const info = await core.as(actor).live.get(id);
    // A terminal session is watched through the asciicast stream, not this canvas.
    if (info.kind !== 'desktop') throw new NotFoundError('live desktop session', id);
    shadow = await core.as(actor).live.shadow(id);
  } catch (e) {
    fail(operatorMessage(e));
    return;
  }
  ws.on('close', () => void shadow.leave());
  for await (const e of shadow) {
    if (ws.readyState !== ws.OPEN) break;
    if (e.type === 'end') {
      ws.send(encodeEnd(e.reason));
      break;
    }
    while (ws.readyState === ws.OPEN && ws.bufferedAmount > MAX_BUFFERED_BYTES)
      await new Promise<void>((resolve) => timers.after(DRAIN_CHECK_MS, resolve));
    if (ws.readyState !== ws.OPEN) break;
    ws.send(e.data);
  }
  await shadow.leave();
  if (ws.readyState === ws.OPEN) ws.close(1000, 'session ended');
}
