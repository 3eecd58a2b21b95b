// SSH host-key parsing and the host-key callback (protocols/ssh/host-keys.ts), against a key made
// by ssh-keygen and the fingerprint `ssh-keygen -lf` printed for it.
import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../core/index.ts';
import { hostKeyType, hostKeyVerifier, parseHostKey } from '../../protocols/ssh/host-keys.ts';

const LINE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFLpfIQlp8pP7E2D/7kcYHk/maGpszuWKeFELHNM1QW0 t';
const BLOB = Buffer.from(LINE.split(' ')[1]!, 'base64');
const SSH_KEYGEN_FINGERPRINT = 'SHA256:jBTkVCr44CKki/K+5v/oPyR1ZnkfREDEYBH2YBrw3/8';

describe('parseHostKey', () => {
  it('reads the key type from the blob and prints the fingerprint as ssh-keygen does', () => {
    expect(parseHostKey(BLOB)).toEqual({ type: 'ssh-ed25519', fingerprint: SSH_KEYGEN_FINGERPRINT });
    // Users' public keys (core) and host keys print the same way.
    expect(fingerprintOf(BLOB)).toBe(SSH_KEYGEN_FINGERPRINT);
  });

  it('calls a malformed blob `unknown` instead of reading past it or inventing a name', () => {
    expect(hostKeyType(Uint8Array.of(0, 0))).toBe('unknown');
    expect(hostKeyType(Uint8Array.of(0, 0, 0, 0, 1))).toBe('unknown'); // empty name
    expect(hostKeyType(Uint8Array.of(0, 0, 0, 9, 97, 98))).toBe('unknown'); // truncated
    expect(hostKeyType(Uint8Array.of(0, 0, 0, 65, ...new Array(65).fill(97)))).toBe('unknown'); // too long
    expect(hostKeyType(Uint8Array.of(255, 255, 255, 255, 97))).toBe('unknown');
  });
});

describe('hostKeyVerifier', () => {
  const run = (check: Parameters<typeof hostKeyVerifier>[0]) =>
    new Promise<{ ok: boolean; refusals: unknown[]; seen: unknown[] }>((resolve) => {
      const refusals: unknown[] = [];
      const seen: unknown[] = [];
      const verify = hostKeyVerifier(
        async (key) => {
          seen.push(key);
          return check(key);
        },
        (e) => refusals.push(e),
      );
      verify(BLOB, (ok) => resolve({ ok, refusals: [...refusals], seen }));
    });

  it('accepts when the check resolves, with the parsed key', async () => {
    const r = await run(async () => undefined);
    expect(r).toEqual({
      ok: true,
      refusals: [],
      seen: [{ type: 'ssh-ed25519', fingerprint: SSH_KEYGEN_FINGERPRINT }],
    });
  });

  it('hands the refusal over before declining, so the caller can name the pin', async () => {
    const pinned = new Error('host key changed');
    const r = await run(async () => {
      throw pinned;
    });
    expect(r.ok).toBe(false);
    expect(r.refusals).toEqual([pinned]);
  });

  it('declines when the check throws at once instead of rejecting', async () => {
    const refusals: unknown[] = [];
    const ok = await new Promise<boolean>((resolve) =>
      hostKeyVerifier(
        () => {
          throw new Error('sync');
        },
        (e) => refusals.push(e),
      )(BLOB, resolve),
    );
    expect(ok).toBe(false);
    expect(refusals).toHaveLength(1);
  });
});
