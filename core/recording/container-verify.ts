/**
 * Checking a recording without the master key: the hash chain from the file header through every
 * chunk, the chunk numbers, and the manifest's Ed25519 signature against the node's public key.
 * With the data key as well, every chunk's AES-GCM tag is checked too. The first problem in file
 * order is reported, naming the chunk; a recording the node stopped writing (a crash) is reported
 * as cut short at the time of its last chunk, not as tampered.
 */
import type { KeyObject } from 'node:crypto';
import type { ByteSource } from './byte-source.ts';
import { sha256, type Manifest } from './container-format.ts';
import { decryptChunk } from './container-reader.ts';
import { NotAContainer, scanContainer, type ContainerScan, type ScannedFrame } from './container-scan.ts';
import { fingerprintOf, verifySignature } from './signing-key.ts';

/** `elsewhere`: in a cluster without a shared recordings directory, the file is on another node's disk. */
export type VerifyStatus = 'intact' | 'cut-short' | 'in-progress' | 'tampered' | 'legacy' | 'elsewhere';

export interface VerifyReport {
  id: string;
  status: VerifyStatus;
  /** One sentence: what is wrong, or what the recording is. */
  reason: string;
  chunks: number;
  /** Session time of the last sound chunk (seconds). */
  lastT: number;
  /** The first chunk found bad, when one is. */
  firstBad?: number;
  /** Fingerprint of the key that signed the manifest, when it verified. */
  signer?: string;
}

/** Exit codes of `custody recordings verify`. */
export const VERIFY_EXIT: Record<VerifyStatus, number> = {
  intact: 0,
  'cut-short': 0,
  'in-progress': 0,
  tampered: 3,
  legacy: 4,
  elsewhere: 5,
};

export interface VerifyOptions {
  /** The node's public signing key (what `custody recordings pubkey` prints). */
  publicKey: KeyObject;
  /** The recording's data key: also checks each chunk's authentication tag. */
  dataKey?: Buffer | undefined;
  /**
   * What the recordings table says of it, when known: 'recording' (still being written),
   * 'interrupted' or 'failed' (the node stopped writing it) — a missing manifest is then expected.
   */
  rowStatus?: string | undefined;
}

export async function verifyContainer(id: string, src: ByteSource, o: VerifyOptions): Promise<VerifyReport> {
  const hashes: Buffer[] = [];
  let authFailure: number | undefined;
  let scan: ContainerScan;
  try {
    scan = await scanContainer(src, (frame, body) => {
      hashes.push(sha256(frame.raw, body));
      if (o.dataKey && authFailure === undefined) {
        try {
          decryptChunk(id, o.dataKey, frame, body);
        } catch {
          authFailure = hashes.length - 1;
        }
      }
    });
  } catch (e) {
    if (e instanceof NotAContainer) return bad(id, 0, 0, `${e.message}`, 0);
    throw e;
  }
  if (scan.header.id !== id)
    return bad(id, 0, 0, `the file header names recording '${scan.header.id}' (a file swapped in)`, 0);
  const frames = scan.frames;
  const headerHash = sha256(scan.headerBytes);
  const lastT = (n: number) => (n > 0 ? frames[n - 1]!.tEnd : 0);
  const m = scan.manifest?.manifest;

  // The chain, chunk by chunk.
  let expected = headerHash;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.seq !== i) {
      const later = frames.slice(i + 1).some((g) => g.seq === i);
      return bad(
        id,
        i,
        lastT(i),
        later
          ? `chunks out of order: chunk ${f.seq} stands where chunk ${i} should be`
          : `chunk ${i} is missing: chunk ${f.seq} follows chunk ${i - 1}`,
        i,
      );
    }
    if (!f.prev.equals(expected)) {
      if (i === 0) return bad(id, 0, 0, 'the file header does not match the chain (edited)', 0);
      const culprit = nextLinkBroken(frames, hashes, i, m) ? i : i - 1;
      return bad(
        id,
        i,
        lastT(culprit),
        `chunk ${culprit} is damaged: its hash does not match the chain`,
        culprit,
      );
    }
    if (authFailure === i) return bad(id, i, lastT(i), `chunk ${i} fails authentication (damaged)`, i);
    expected = hashes[i]!;
  }
  const n = frames.length;
  if (scan.stop?.kind === 'garbage')
    return bad(id, n, lastT(n), `after chunk ${n - 1}, ${scan.stop.why} (at byte ${scan.stop.at})`, n);

  if (!scan.manifest) {
    const at = `${lastT(n).toFixed(1)} s`;
    if (o.rowStatus === 'recording')
      return {
        id,
        status: 'in-progress',
        reason: `still being recorded; intact up to ${at}`,
        chunks: n,
        lastT: lastT(n),
      };
    if (o.rowStatus === 'interrupted' || o.rowStatus === 'failed')
      return {
        id,
        status: 'cut-short',
        reason: `cut short at ${at} (the node stopped writing it; not sealed)`,
        chunks: n,
        lastT: lastT(n),
      };
    return bad(
      id,
      n,
      lastT(n),
      scan.stop
        ? `truncated: the file ends inside chunk ${n} and has no manifest`
        : `the manifest is missing (truncated after chunk ${n - 1})`,
      n,
    );
  }
  const sm = scan.manifest;
  if (!m || !verifySignature(o.publicKey, sm.json, sm.signature))
    return bad(
      id,
      n,
      lastT(n),
      "the manifest's signature does not verify with the node's key (replaced or edited)",
      n,
    );
  if (m.id !== id || m.headerHash !== headerHash.toString('hex'))
    return bad(id, n, lastT(n), 'the manifest belongs to another recording (replaced)', n);
  if (m.chunks !== n) {
    const reason =
      m.chunks > n
        ? `truncated: the manifest names ${m.chunks} chunks, the file holds ${n}`
        : `the manifest names ${m.chunks} chunks, the file holds ${n} (chunks added)`;
    return bad(id, Math.min(n, m.chunks), lastT(Math.min(n, m.chunks)), reason, Math.min(n, m.chunks));
  }
  if (m.lastHash !== expected.toString('hex'))
    return bad(
      id,
      n - 1,
      lastT(n - 1),
      `chunk ${n - 1} is damaged: its hash does not match the manifest`,
      n - 1,
    );
  if (sm.trailing) return bad(id, n, lastT(n), `${sm.trailing} bytes follow the manifest`, n);
  const signer = fingerprintOf(o.publicKey);
  const ok = (status: VerifyStatus, reason: string): VerifyReport => ({
    id,
    status,
    reason,
    chunks: n,
    lastT: lastT(n),
    signer,
  });
  if (m.status === 'cut-short')
    return ok(
      'cut-short',
      `cut short at ${lastT(n).toFixed(1)} s (the node stopped; sealed at its next start)`,
    );
  if (m.status === 'failed')
    return ok('cut-short', `writing failed at ${lastT(n).toFixed(1)} s; intact up to there`);
  return ok('intact', `intact: ${n} chunks, ${m.durationSeconds.toFixed(1)} s, signed`);
}

/**
 * When the link into chunk i is broken, was chunk i-1 changed (only that link breaks) or chunk
 * i's own header (then the link out of chunk i breaks too)?
 */
function nextLinkBroken(
  frames: readonly ScannedFrame[],
  hashes: readonly Buffer[],
  i: number,
  m: Manifest | undefined,
): boolean {
  const next = frames[i + 1];
  if (next) return !next.prev.equals(hashes[i]!);
  return m ? m.lastHash !== hashes[i]!.toString('hex') : false;
}

function bad(id: string, chunks: number, lastT: number, reason: string, firstBad: number): VerifyReport {
  return { id, status: 'tampered', reason, chunks, lastT, firstBad };
}
