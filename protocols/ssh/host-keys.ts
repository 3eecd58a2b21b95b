// SSH server host keys as the handshake presents them: the key type and the OpenSSH SHA256
// fingerprint parsed from the key blob, and the host-key check every SSH client here hands its
// SSH library. The pins themselves are core's (per resource, first use recorded, a change
// refused); this file only reads the blob and turns core's verdict into accept or decline.
//
// The one Node-only import of the room: SHA-256 from node:crypto. Browser code never speaks SSH.
import { createHash } from 'node:crypto';

/** A server host key as presented during the handshake. */
export interface HostKeyInfo {
  /** Key algorithm from the key blob, e.g. `ssh-ed25519`; `unknown` when the blob is malformed. */
  type: string;
  /** OpenSSH style: `SHA256:` + unpadded base64 of sha256(key blob), as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

/** Resolves to accept the key; throws (ideally a one-line error naming the pin) to refuse it. */
export type HostKeyCheck = (key: HostKeyInfo) => Promise<void>;

/** Longest key-type name accepted from a blob; real ones are under 40 characters. */
const MAX_TYPE_LENGTH = 64;

/** The blob starts with its algorithm name as an SSH string: uint32 length, then the bytes (RFC 4253 §6.6). */
export function hostKeyType(blob: Uint8Array): string {
  if (blob.length < 4) return 'unknown';
  const n = ((blob[0]! << 24) | (blob[1]! << 16) | (blob[2]! << 8) | blob[3]!) >>> 0;
  if (n === 0 || n > MAX_TYPE_LENGTH || blob.length < 4 + n) return 'unknown';
  return String.fromCharCode(...blob.subarray(4, 4 + n));
}

export function sha256Fingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function parseHostKey(blob: Uint8Array): HostKeyInfo {
  return { type: hostKeyType(blob), fingerprint: sha256Fingerprint(blob) };
}

/**
 * The host-key callback in the shape SSH client libraries take (`hostVerifier(blob, verify)` in
 * ssh2): the parsed key goes to `check`; when it refuses, the refusal is handed to `refused`
 * first (so the caller reports the pinning, not the failed handshake that follows) and the
 * connection is declined before any credential is offered.
 */
export function hostKeyVerifier(
  check: HostKeyCheck,
  refused: (e: unknown) => void,
): (blob: Uint8Array, verify: (ok: boolean) => void) => void {
  return (blob, verify) => {
    const key = parseHostKey(blob);
    // Through a promise, so a check that throws at once declines like one that rejects.
    Promise.resolve(key)
      .then(check)
      .then(
        () => verify(true),
        (e: unknown) => {
          refused(e);
          verify(false);
        },
      );
  };
}
