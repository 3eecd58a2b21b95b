// The clipboard of one RDP session under the resource's policy (read when the session was
// authorised): the CLIPRDR client (protocols/rdp/cliprdr-client.ts) on the target's `cliprdr`
// channel, the operator's browser on the other side. The policy is enforced here, never in the
// browser: text from the browser crosses only when the policy lets text in, the target's text is
// fetched at all only when it lets text out. Every transfer, allowed or refused, is an audit row
// and a recording marker with its direction, format and size — never the text itself.
import type { ClipboardPolicy } from '../../../core/index.ts';
import { ClipboardClient } from '../../../protocols/rdp/cliprdr-client.ts';
import { unicodeTextBytes } from '../../../protocols/rdp/cliprdr.ts';
import { CLIPRDR_CHANNEL, type DesktopOperator, type DesktopTarget } from './types.ts';

/** Longest text either way unless configured: 1 MiB as RDP carries it (UTF-16). */
export const DEFAULT_CLIPBOARD_MAX_BYTES = 1024 * 1024;

export type ClipboardDirection = 'to-target' | 'from-target';

export interface ClipboardTransfer {
  direction: ClipboardDirection;
  format: 'text';
  /** Bytes as RDP carries the text (UTF-16); absent when refused before the text was fetched. */
  bytes?: number;
  /** Why it was refused (absent when it crossed). */
  reason?: string;
}

export interface ClipboardOptions {
  policy: ClipboardPolicy;
  maxTextBytes: number;
  target: DesktopTarget;
  operator: DesktopOperator;
  /** One audit row per transfer; `allowed` false for a refusal. */
  audit(t: ClipboardTransfer, allowed: boolean): void;
  /** A marker in the desktop recording. */
  mark(label: string): void;
}

export function allows(policy: ClipboardPolicy, direction: ClipboardDirection): boolean {
  return policy === 'both' || policy === direction;
}

/**
 * Wires the clipboard when the policy opens it and the server joined the channel. Otherwise the
 * target has no clipboard for the session; text a browser sends anyway (the page offers no way to,
 * so only a doctored page does) is refused and audited like any other refusal.
 */
export function startClipboard(o: ClipboardOptions): { active: boolean } {
  const { target, operator } = o;
  const record = (t: ClipboardTransfer, allowed: boolean) => {
    o.audit(t, allowed);
    const size = t.bytes === undefined ? '' : ` (${t.bytes} bytes)`;
    o.mark(
      allowed
        ? `clipboard ${t.direction === 'to-target' ? 'to the target' : 'from the target'}: text${size}`
        : `clipboard ${t.direction === 'to-target' ? 'to the target' : 'from the target'} refused: text${size}`,
    );
  };
  const refuseToTarget = (text: string, reason: string) =>
    record({ direction: 'to-target', format: 'text', bytes: unicodeTextBytes(text), reason }, false);
  if (
    o.policy === 'off' ||
    !target.channels?.includes(CLIPRDR_CHANNEL) ||
    !target.onChannel ||
    !target.sendChannel
  ) {
    const reason =
      o.policy === 'off'
        ? 'the clipboard policy is off'
        : 'the target has no clipboard channel for this session';
    operator.onClipboard?.((text) => refuseToTarget(text, reason));
    return { active: false };
  }
  const sendChannel = target.sendChannel.bind(target);
  const client = new ClipboardClient({
    fetchFromTarget: allows(o.policy, 'from-target'),
    maxTextBytes: o.maxTextBytes,
    events: {
      send: (m) => void sendChannel(CLIPRDR_CHANNEL, m),
      fromTarget: (text, bytes) => {
        operator.clipboard?.(text);
        record({ direction: 'from-target', format: 'text', bytes }, true);
      },
      delivered: (bytes) => record({ direction: 'to-target', format: 'text', bytes }, true),
      refused: (direction, reason, bytes) =>
        record({ direction, format: 'text', ...(bytes === undefined ? {} : { bytes }), reason }, false),
    },
  });
  target.onChannel((name, message, tooLong) => {
    if (name !== CLIPRDR_CHANNEL) return;
    if (message) client.receive(message);
    else if (tooLong !== undefined) client.tooLong(tooLong);
  });
  operator.onClipboard?.((text) => {
    if (!allows(o.policy, 'to-target')) {
      refuseToTarget(text, 'the clipboard policy does not allow text to the target');
      return;
    }
    client.offer(text);
  });
  return { active: true };
}
