// Text → PC/AT set-1 scancode presses on a US layout, for tests that type into a target's xterm
// (the viewer sends scancodes too, so the target's layout decides the characters, as here).
import type { DesktopInput } from '../../protocols/rdp/types.ts';

const SHIFT = 0x2a;
const PLAIN: Record<string, number> = {
  '1': 0x02,
  '2': 0x03,
  '3': 0x04,
  '4': 0x05,
  '5': 0x06,
  '6': 0x07,
  '7': 0x08,
  '8': 0x09,
  '9': 0x0a,
  '0': 0x0b,
  '-': 0x0c,
  '=': 0x0d,
  q: 0x10,
  w: 0x11,
  e: 0x12,
  r: 0x13,
  t: 0x14,
  y: 0x15,
  u: 0x16,
  i: 0x17,
  o: 0x18,
  p: 0x19,
  '[': 0x1a,
  ']': 0x1b,
  '\n': 0x1c,
  a: 0x1e,
  s: 0x1f,
  d: 0x20,
  f: 0x21,
  g: 0x22,
  h: 0x23,
  j: 0x24,
  k: 0x25,
  l: 0x26,
  ';': 0x27,
  "'": 0x28,
  '`': 0x29,
  '\\': 0x2b,
  z: 0x2c,
  x: 0x2d,
  c: 0x2e,
  v: 0x2f,
  b: 0x30,
  n: 0x31,
  m: 0x32,
  ',': 0x33,
  '.': 0x34,
  '/': 0x35,
  ' ': 0x39,
};
const SHIFTED: Record<string, string> = {
  _: '-',
  '+': '=',
  ':': ';',
  '"': "'",
  '~': '`',
  '|': '\\',
  '<': ',',
  '>': '.',
  '?': '/',
};

function key(scancode: number, down: boolean): DesktopInput {
  return { kind: 'key', scancode, extended: false, down };
}

export function typeText(text: string): DesktopInput[] {
  const out: DesktopInput[] = [];
  for (const ch of text) {
    const lower = ch.toLowerCase();
    const shifted = ch !== lower || ch in SHIFTED;
    const code = PLAIN[shifted ? (SHIFTED[ch] ?? lower) : ch];
    if (code === undefined) throw new Error(`no scancode for '${ch}' in the test key map`);
    if (shifted) out.push(key(SHIFT, true));
    out.push(key(code, true), key(code, false));
    if (shifted) out.push(key(SHIFT, false));
  }
  return out;
}
