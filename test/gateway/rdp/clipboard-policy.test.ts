// The gateway's clipboard under each resource policy, both directions, against a scripted
// CLIPRDR server on a stand-in target: text crosses only the way the policy allows, the other
// way it never leaves the gateway (the target's text is not even fetched), every transfer is an
// audit row and a marker with direction and size, and the text itself is in neither.
import { describe, expect, it } from 'vitest';
import type { ClipboardPolicy } from '../../../core/index.ts';
import {
  CB,
  CB_FLAG,
  CF,
  decodeCliprdr,
  encodeFormatList,
  encodeCliprdr,
  encodeUnicodeText,
  decodeText,
} from '../../../protocols/rdp/cliprdr.ts';
import { startClipboard, type ClipboardTransfer } from '../../../gateway/session/desktop/clipboard.ts';
import type { DesktopOperator, DesktopTarget } from '../../../gateway/session/desktop/types.ts';

const CANARY = 'CANARY-clip-7f3a9';
const u32 = (n: number) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, 0, 0);

function setup(policy: ClipboardPolicy, channels = ['cliprdr']) {
  let deliver: ((name: string, m: Uint8Array | undefined, tooLong?: number) => void) | undefined;
  const toServer: { type: number; flags: number; body: Uint8Array }[] = [];
  const target = {
    size: { width: 800, height: 600 },
    onBitmap: () => undefined,
    input: () => undefined,
    close: () => undefined,
    done: new Promise<{ reason: string }>(() => undefined),
    channels,
    onChannel: (fn: typeof deliver) => (deliver = fn),
    sendChannel: (_name: string, m: Uint8Array) => (toServer.push(decodeCliprdr(m)), true),
  } as unknown as DesktopTarget;
  let paste: ((text: string) => void) | undefined;
  const browser: string[] = [];
  const operator = {
    onClipboard: (cb: (t: string) => void) => (paste = cb),
    clipboard: (t: string) => browser.push(t),
  } as unknown as DesktopOperator;
  const audits: { t: ClipboardTransfer; allowed: boolean }[] = [];
  const markers: string[] = [];
  const { active } = startClipboard({
    policy,
    maxTextBytes: 1024,
    target,
    operator,
    audit: (t, allowed) => audits.push({ t, allowed }),
    mark: (l) => markers.push(l),
  });
  const server = (type: number, flags = 0, body: Uint8Array = new Uint8Array(0)) =>
    deliver?.('cliprdr', encodeCliprdr(type, flags, body));
  server(CB.monitorReady);
  return { active, toServer, browser, audits, markers, server, paste: (t: string) => paste?.(t) };
}

/** The target copies CANARY: it announces text; if asked, it answers with it. */
function targetCopies(s: ReturnType<typeof setup>) {
  s.server(CB.formatList, 0, encodeFormatList([CF.unicodeText], false).subarray(8));
  if (s.toServer.at(-1)?.type === CB.formatDataRequest)
    s.server(CB.formatDataResponse, CB_FLAG.responseOk, encodeUnicodeText(CANARY));
}

/** The browser pastes CANARY; an application on the target then asks for it. */
function browserPastes(s: ReturnType<typeof setup>): string | undefined {
  s.paste(CANARY);
  s.server(CB.formatDataRequest, 0, u32(CF.unicodeText));
  const r = s.toServer.at(-1);
  return r?.type === CB.formatDataResponse && r.flags === CB_FLAG.responseOk
    ? decodeText(CF.unicodeText, r.body)
    : undefined;
}

describe('clipboard policy in the gateway', () => {
  it.each([
    ['both', true, true],
    ['to-target', true, false],
    ['from-target', false, true],
  ] as const)('%s: to the target %s, from the target %s', (policy, toTarget, fromTarget) => {
    const s = setup(policy);
    expect(s.active).toBe(true);
    targetCopies(s);
    expect(s.browser).toEqual(fromTarget ? [CANARY] : []);
    // the target's text is not even asked for when it may not come out
    expect(s.toServer.some((m) => m.type === CB.formatDataRequest)).toBe(fromTarget);
    expect(browserPastes(s)).toBe(toTarget ? CANARY : undefined);
    const bytes = CANARY.length * 2;
    expect(s.audits).toEqual([
      fromTarget
        ? { t: { direction: 'from-target', format: 'text', bytes }, allowed: true }
        : { t: { direction: 'from-target', format: 'text', reason: expect.any(String) }, allowed: false },
      toTarget
        ? { t: { direction: 'to-target', format: 'text', bytes }, allowed: true }
        : {
            t: { direction: 'to-target', format: 'text', bytes, reason: expect.any(String) },
            allowed: false,
          },
    ]);
    expect(s.markers).toHaveLength(2);
    expect(s.markers[0]).toMatch(
      fromTarget ? /^clipboard from the target: text \(34 bytes\)$/ : /from the target refused/,
    );
    expect(s.markers[1]).toMatch(
      toTarget ? /^clipboard to the target: text \(34 bytes\)$/ : /to the target refused/,
    );
    expect(JSON.stringify([s.audits, s.markers])).not.toContain(CANARY);
  });

  it('off: not wired at all (the channel is not even asked for), nothing crosses; text a doctored page sends is refused and audited', () => {
    const s = setup('off');
    expect(s.active).toBe(false);
    expect(s.toServer).toEqual([]);
    targetCopies(s);
    expect(browserPastes(s)).toBeUndefined();
    expect(s.browser).toEqual([]);
    expect(s.toServer).toEqual([]);
    expect(s.audits).toEqual([
      {
        t: {
          direction: 'to-target',
          format: 'text',
          bytes: CANARY.length * 2,
          reason: 'the clipboard policy is off',
        },
        allowed: false,
      },
    ]);
    expect(s.markers).toEqual([`clipboard to the target refused: text (${CANARY.length * 2} bytes)`]);
  });

  it('a server without the channel leaves the session without a clipboard', () => {
    const s = setup('both', []);
    expect(s.active).toBe(false);
    expect(s.toServer).toEqual([]);
    s.paste(CANARY);
    expect(s.toServer).toEqual([]);
    expect(s.audits).toEqual([
      {
        t: expect.objectContaining({
          direction: 'to-target',
          reason: expect.stringMatching(/no clipboard channel/),
        }),
        allowed: false,
      },
    ]);
  });

  it('text over the limit is refused and audited with its size', () => {
    const s = setup('both');
    s.paste('x'.repeat(600));
    expect(s.audits).toEqual([
      {
        t: { direction: 'to-target', format: 'text', bytes: 1200, reason: expect.stringMatching(/limit/) },
        allowed: false,
      },
    ]);
    expect(s.toServer.filter((m) => m.type === CB.formatList)).toHaveLength(1); // only the initial empty one
  });
});
