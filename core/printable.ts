/**
 * What must never reach a terminal or a one-line log from text someone else chose (a user name,
 * a resource name, a reason): C0 and C1 controls, DEL, and the invisible formatting and bidi
 * characters that can make a line read as something else (Trojan Source: U+061C,
 * U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF). A newline in a name can forge a row of
 * a listing; an ESC or OSC sequence can retitle or recolour the reader's terminal.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** True when the text holds a character a terminal acts on or hides. */
export function hasUnsafeCharacters(text: string): boolean {
  return new RegExp(UNSAFE.source).test(text);
}

/** For showing someone else's text on one line: unsafe characters become '?', and it is bounded. */
export function printable(text: string, max = 120): string {
  const flat = text.slice(0, max + 1).replace(UNSAFE, '?');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const UNSAFE_IN_BLOCK =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Like printable, for multi-line text a terminal shows as is: keeps newlines and tabs. */
export function printableBlock(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(UNSAFE_IN_BLOCK, '?');
}
