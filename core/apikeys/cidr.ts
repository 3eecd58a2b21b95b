import { ValidationError } from '../errors.ts';

/**
 * IPv4 and IPv6 address ranges for API keys' `--allow-cidr`. Written here rather than with
 * node:net's BlockList because core uses no network module; an address is 16 bytes, IPv4 as
 * its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so `10.0.0.0/8` also matches a dual-stack socket's
 * `::ffff:10.1.2.3` — the form Node reports for IPv4 clients of a listener bound to `::`.
 */
export interface Cidr {
  /** As the administrator wrote it, normalised (`10.0.0.0/8`, `2001:db8::/32`). */
  text: string;
  bytes: Uint8Array;
  /** Prefix length over the 16-byte form (an IPv4 /8 is /104 here). */
  bits: number;
}

function parseIpv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    out.push(Number(p));
  }
  return out;
}

/** Sixteen bytes for an IPv4 or IPv6 address, or undefined when it is neither. */
export function parseAddress(raw: string): Uint8Array | undefined {
  // A zone index (fe80::1%eth0) names a local interface, not a different address.
  const s = raw.trim().replace(/%.*$/, '');
  const v4 = parseIpv4(s);
  if (v4) return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]);
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.length > 45) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const tail = i === parts.length - 1 ? parseIpv4(p) : undefined;
      if (tail) out.push((tail[0]! << 8) | tail[1]!, (tail[2]! << 8) | tail[3]!);
      else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const words = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  return Uint8Array.from(words.flatMap((w) => [w >> 8, w & 0xff]));
}

/** Parses `ADDRESS/BITS` (or a bare address: one host); a malformed range is a validation error. */
export function parseCidr(raw: string): Cidr {
  const shown = raw.slice(0, 60);
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(raw.trim());
  const bytes = m ? parseAddress(m[1]!) : undefined;
  if (!m || !bytes) throw new ValidationError(`'${shown}' is not an address range (CIDR)`, { field: 'cidr' });
  const v4 = parseIpv4(m[1]!.trim()) !== undefined;
  const max = v4 ? 32 : 128;
  const given = m[2] === undefined ? max : Number(m[2]);
  if (given > max) throw new ValidationError(`'${shown}': a prefix is at most /${max}`, { field: 'cidr' });
  const bits = v4 ? given + 96 : given;
  const masked = mask(bytes, bits);
  return { text: `${formatAddress(masked, v4)}/${given}`, bytes: masked, bits };
}

function mask(b: Uint8Array, bits: number): Uint8Array {
  return b.map((x, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return x & ((0xff << (8 - keep)) & 0xff);
  });
}

function formatAddress(b: Uint8Array, v4: boolean): string {
  if (v4) return [...b.slice(12)].join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952: the longest run of two or more zero groups becomes '::'.
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/** Whether `address` (as a socket reports it) lies in `range`; an unparseable address is in none. */
export function cidrContains(range: Cidr, address: string): boolean {
  const a = parseAddress(address);
  if (!a) return false;
  const m = mask(a, range.bits);
  return m.every((x, i) => x === range.bytes[i]);
}
