// `[rdp] clipboard_max_bytes`: the longest clipboard text of an RDP session, read from the
// configuration into the gateway's settings (1 MiB unless set; never above the channel layer's
// own bound), and text over it refused and audited as refused with its size, either way.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../core/index.ts';
import { gatewaySettings } from '../../../cli/commands/server.ts';
import { startClipboard, type ClipboardTransfer } from '../../../gateway/session/desktop/clipboard.ts';
import type { DesktopOperator, DesktopTarget } from '../../../gateway/session/desktop/types.ts';
import {
  CB,
  CB_FLAG,
  CF,
  encodeCliprdr,
  encodeFormatList,
  encodeUnicodeText,
} from '../../../protocols/rdp/cliprdr.ts';

const limitOf = (toml: string) => gatewaySettings(parseConfig(toml, 'custody.toml')).clipboardMaxBytes;

describe('[rdp] clipboard_max_bytes', () => {
  it('is 1 MiB unless set, and what is set reaches the gateway settings', () => {
    expect(limitOf('')).toBe(1024 * 1024);
    expect(limitOf('[rdp]\nclipboard_max_bytes = 4096')).toBe(4096);
  });

  it.each(['0', '1048577', '"big"', '1.5'])('refuses %s naming the key', (value) => {
    expect(() => parseConfig(`[rdp]\nclipboard_max_bytes = ${value}`, 'custody.toml')).toThrow(ConfigError);
    expect(() => parseConfig(`[rdp]\nclipboard_max_bytes = ${value}`, 'custody.toml')).toThrow(
      /rdp\.clipboard_max_bytes/,
    );
  });

  it('text over the configured limit is refused and audited as refused with its size, both ways', () => {
    const max = limitOf('[rdp]\nclipboard_max_bytes = 100')!;
    let deliver: ((name: string, m: Uint8Array | undefined) => void) | undefined;
    const sent: Uint8Array[] = [];
    const target = {
      channels: ['cliprdr'],
      onChannel: (fn: typeof deliver) => (deliver = fn),
      sendChannel: (_n: string, m: Uint8Array) => (sent.push(m), true),
    } as unknown as DesktopTarget;
    let paste: ((t: string) => void) | undefined;
    const browser: string[] = [];
    const operator = {
      onClipboard: (cb: (t: string) => void) => (paste = cb),
      clipboard: (t: string) => browser.push(t),
    } as unknown as DesktopOperator;
    const audits: { t: ClipboardTransfer; allowed: boolean }[] = [];
    startClipboard({
      policy: 'both',
      maxTextBytes: max,
      target,
      operator,
      audit: (t, allowed) => audits.push({ t, allowed }),
      mark: () => undefined,
    });
    const server = (type: number, flags = 0, body: Uint8Array = new Uint8Array(0)) =>
      deliver?.('cliprdr', encodeCliprdr(type, flags, body));
    server(CB.monitorReady);
    const afterReady = sent.length;

    // Into the target: 50 characters fit (100 bytes), 51 do not and are never announced.
    paste!('y'.repeat(51));
    expect(sent).toHaveLength(afterReady);
    paste!('x'.repeat(50));
    expect(sent).toHaveLength(afterReady + 1);

    // Out of the target: its 51-character text is fetched, then refused for its size.
    server(CB.formatList, 0, encodeFormatList([CF.unicodeText], false).subarray(8));
    server(CB.formatDataResponse, CB_FLAG.responseOk, encodeUnicodeText('z'.repeat(51)));
    expect(browser).toEqual([]);

    const refusal = { format: 'text', bytes: 102, reason: 'the text is over the 100-byte limit' };
    expect(audits).toEqual([
      { t: { direction: 'to-target', ...refusal }, allowed: false },
      {
        t: { direction: 'from-target', ...refusal, reason: "the target's text is over the 100-byte limit" },
        allowed: false,
      },
    ]);
  });
});
