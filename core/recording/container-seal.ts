/**
 * Sealing a recording its node stopped writing (killed mid-session): at the next start the chunks
 * that reached the disk are checked (chain sound, no manifest), a chunk the crash cut off at the
 * end is cut away, and a manifest with status `cut-short` is signed over what remains — so verify
 * later tells a crash ("cut short at T") from a file shortened by someone else (its manifest names
 * more chunks than the file holds, or there is none). A recording whose chain is broken is left as
 * it is: sealing it would sign the damage.
 */
import { promises as fs } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { openFileSource } from './byte-source.ts';
import { encodeManifest, sha256, type Manifest } from './container-format.ts';
import { scanContainer } from './container-scan.ts';
import { verifyContainer } from './container-verify.ts';
import type { SigningKey } from './signing-key.ts';

export interface SealFacts {
  castBytes: number;
  events: number;
}

export type SealOutcome = { sealed: true; lastT: number; bytes: number } | { sealed: false; why: string };

export async function sealCutShort(
  file: string,
  id: string,
  signer: SigningKey,
  now: Date,
  facts: SealFacts,
): Promise<SealOutcome> {
  const src = await openFileSource(file);
  if (!src) return { sealed: false, why: 'the file is missing' };
  let report;
  let scan;
  const hashes: Buffer[] = [];
  try {
    report = await verifyContainer(id, src, {
      publicKey: createPublicKey(signer.publicPem),
      rowStatus: 'interrupted',
    });
    scan = await scanContainer(src, (f, body) => hashes.push(sha256(f.raw, body)));
  } finally {
    await src.close();
  }
  if (report.status !== 'cut-short' || scan.manifest)
    return { sealed: false, why: scan.manifest ? 'it is sealed already' : report.reason };
  const end = scan.stop?.at ?? src.size;
  const n = scan.frames.length;
  const manifest: Manifest = {
    format: 'custody-recording-manifest',
    version: 1,
    id,
    headerHash: sha256(scan.headerBytes).toString('hex'),
    chunks: n,
    lastHash: (n ? hashes[n - 1]! : sha256(scan.headerBytes)).toString('hex'),
    bytes: end,
    castBytes: facts.castBytes,
    events: facts.events,
    durationSeconds: report.lastT,
    status: 'cut-short',
    sealedAt: now.toISOString(),
    signer: signer.fingerprint,
  };
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  const framed = encodeManifest(json, signer.sign(json));
  const fh = await fs.open(file, 'r+');
  try {
    // The torn chunk (if any) never decrypts: it is cut away so the manifest follows whole chunks.
    await fh.truncate(end);
    await fh.write(framed, 0, framed.length, end);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  return { sealed: true, lastT: report.lastT, bytes: end + framed.length };
}
