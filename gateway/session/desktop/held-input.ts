// Keys and mouse buttons the operator holds down right now. A session that ends, or a viewer
// that disconnects, while a key is down leaves it down on the server: xrdp then repeats the key
// or keeps a modifier pressed for whoever uses that desktop next. So the gateway releases
// whatever is held before it closes, whatever the browser managed to send.
import type { DesktopInput } from '../../../protocols/rdp/types.ts';

export class HeldInput {
  readonly #keys = new Map<string, { scancode: number; extended: boolean }>();
  readonly #buttons = new Set<1 | 2 | 3>();
  #x = 0;
  #y = 0;

  track(ev: DesktopInput): void {
    if (ev.kind === 'key') {
      const id = `${ev.extended ? 'e' : ''}${ev.scancode}`;
      if (ev.down) this.#keys.set(id, { scancode: ev.scancode, extended: ev.extended });
      else this.#keys.delete(id);
      return;
    }
    this.#x = ev.x;
    this.#y = ev.y;
    if (ev.kind === 'button') {
      if (ev.down) this.#buttons.add(ev.button);
      else this.#buttons.delete(ev.button);
    }
  }

  /** The key-ups and button-ups that leave nothing held; forgets them. */
  releases(): DesktopInput[] {
    const out: DesktopInput[] = [];
    for (const k of this.#keys.values()) out.push({ kind: 'key', ...k, down: false });
    for (const button of this.#buttons)
      out.push({ kind: 'button', button, down: false, x: this.#x, y: this.#y });
    this.#keys.clear();
    this.#buttons.clear();
    return out;
  }

  get count(): number {
    return this.#keys.size + this.#buttons.size;
  }
}
