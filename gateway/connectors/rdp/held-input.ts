// Keys and mouse buttons the operator holds down right now. A client that leaves while one is
// down leaves it down in the target session (xrdp keeps twm's menu open, a held Ctrl turns the
// next user's typing into shortcuts), so on close the engine releases each one first.
import type { DesktopInput } from '../../../protocols/rdp/types.ts';

type Key = Extract<DesktopInput, { kind: 'key' }>;
type Button = Extract<DesktopInput, { kind: 'button' }>;

export class HeldInput {
  readonly #keys = new Map<string, Key>();
  readonly #buttons = new Map<number, Button>();

  /** Notes what an input event presses or releases. */
  track(ev: DesktopInput): void {
    if (ev.kind === 'key') {
      const id = `${ev.extended ? 'e0' : ''}${ev.scancode}`;
      if (ev.down) this.#keys.set(id, ev);
      else this.#keys.delete(id);
    } else if (ev.kind === 'button') {
      if (ev.down) this.#buttons.set(ev.button, ev);
      else this.#buttons.delete(ev.button);
    }
  }

  /** The events that release everything still held (buttons first, then keys), and forgets them. */
  releases(): DesktopInput[] {
    const out: DesktopInput[] = [
      ...[...this.#buttons.values()].map((b): DesktopInput => ({ ...b, down: false })),
      ...[...this.#keys.values()].map((k): DesktopInput => ({ ...k, down: false })),
    ];
    this.#buttons.clear();
    this.#keys.clear();
    return out;
  }
}
