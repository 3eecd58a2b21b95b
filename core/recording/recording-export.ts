/**
 * What `export` makes of a recording, per format (recording-store.ts authorises and audits it):
 * the cast the player plays, the target's output byte for byte, the bundle for an offline
 * verifier, or a file-transfer recording's operations as text or JSON lines.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { StorageError, ValidationError } from '../errors.ts';
import type { RecordingRow } from '../storage/repos/index.ts';
import { bundleHead } from './bundle.ts';
import { desktopStill } from './desktop-still.ts';
import { castLines, parseEvent } from './cast-lines.ts';
import { RECORD } from './container-format.ts';
import type { OpenedContainer } from './container-reader.ts';
import { openFileSource } from './byte-source.ts';
import { transferLines } from './file-transfer-format.ts';
import type { SigningKey } from './signing-key.ts';

export interface ExportSource {
  openContainer(row: RecordingRow): Promise<OpenedContainer | undefined>;
  signer(): Promise<SigningKey>;
}

export interface MadeExport {
  bytes: number;
  /** A still's moment (png), in seconds. */
  at?: number;
  open(): Readable;
}

type Producer = (c: OpenedContainer) => AsyncGenerator<Buffer>;

export async function exportOf(
  store: ExportSource,
  row: RecordingRow,
  file: string,
  format: string,
  options: { at?: number } = {},
): Promise<MadeExport> {
  const probe = await store.openContainer(row);
  if (!probe) return legacyExport(row, file, format);
  const kind = probe.scan.header.kind;
  await probe.close();
  let produce: Producer;
  if (format === 'bundle') return bundleExport(store, row, file);
  if (kind === 'desktop' || format === 'png') return desktopExport(store, row, kind, format, options.at);
  if (kind === 'terminal' && format === 'asciicast') produce = castOf;
  else if (kind === 'terminal' && format === 'raw') produce = (c) => c.outputBytes();
  else if (kind === 'file-transfer' && (format === 'text' || format === 'json'))
    produce = (c) => transfersOf(c, format);
  else if (kind === 'file-transfer' && format === 'asciicast')
    produce = async function* (c) {
      yield await transferCast(c, row);
    };
  else
    throw new ValidationError(
      kind === 'terminal'
        ? `a terminal recording exports as asciicast, raw or bundle, not ${format}`
        : `a file-transfer recording exports as text, json, asciicast or bundle, not ${format}`,
    );
  const run = async function* (): AsyncGenerator<Buffer> {
    const c = await store.openContainer(row);
    if (!c) throw new StorageError(`recording '${row.id}' changed while it was exported`);
    try {
      yield* produce(c);
    } finally {
      await c.close();
    }
  };
  let bytes = 0;
  for await (const b of run()) bytes += b.length;
  return { bytes, open: () => Readable.from(run()) };
}

/** A desktop recording exports as a PNG still (or a bundle); nothing else has a screen to show. */
async function desktopExport(
  store: ExportSource,
  row: RecordingRow,
  kind: string,
  format: string,
  at: number | undefined,
): Promise<MadeExport> {
  if (kind !== 'desktop')
    throw new ValidationError(
      `only a desktop (RDP) recording exports as png; recording '${row.id}' is a ${kind} one`,
    );
  if (format !== 'png')
    throw new ValidationError(
      `a desktop recording exports as png (the screen at --at SECONDS) or bundle, not ${format}`,
    );
  const c = await store.openContainer(row);
  if (!c) throw new StorageError(`recording '${row.id}' changed while it was exported`);
  let still;
  try {
    still = await desktopStill(c, at);
  } finally {
    await c.close();
  }
  const png = still.png;
  return { bytes: png.length, at: still.at, open: () => Readable.from([png]) };
}

async function* castOf(c: OpenedContainer): AsyncGenerator<Buffer> {
  const src = c.castSource();
  for (let at = 0; at < src.size;) {
    const b = await src.read(at, 256 * 1024);
    if (!b.length) break;
    at += b.length;
    yield b;
  }
}

/**
 * A file transfer as a cast the players accept: each operation's text line as output at its time
 * (what the console's player and `export --format asciicast` show for an SFTP session).
 */
export async function transferCast(c: OpenedContainer, row: RecordingRow): Promise<Buffer> {
  const ops = (await c.collect(RECORD.transfer)).toString('utf8').split('\n').filter(Boolean);
  const lines = [
    JSON.stringify({
      version: 2,
      width: 120,
      height: 40,
      timestamp: Math.floor(Date.parse(row.startedAt) / 1000),
      title: `${row.user} → ${row.target} (file transfer)`,
    }),
  ];
  for (const op of ops) {
    const t = (JSON.parse(op) as { t: number }).t;
    const text = transferLines(op, 'text').trimEnd();
    lines.push(`[${t.toFixed(6)}, "o", ${JSON.stringify(`${text}\r\n`)}]`);
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

async function* transfersOf(c: OpenedContainer, format: 'text' | 'json'): AsyncGenerator<Buffer> {
  const text = await c.collect(RECORD.transfer);
  const out = transferLines(text.toString('utf8'), format);
  if (out) yield Buffer.from(out, 'utf8');
}

async function bundleExport(store: ExportSource, row: RecordingRow, file: string): Promise<MadeExport> {
  const signer = await store.signer();
  const head = bundleHead({
    format: 'custody-recording-bundle',
    version: 1,
    id: row.id,
    user: row.user,
    target: row.target,
    protocol: row.protocol,
    startedAt: row.startedAt,
    status: row.status,
    publicKey: signer.publicPem,
  });
  const size = (await fs.stat(file)).size;
  return {
    bytes: head.length + size,
    open: () =>
      Readable.from(
        (async function* () {
          yield head;
          // The container as stored, up to the size seen above (a live one may grow meanwhile).
          for await (const b of createReadStream(file, { end: Math.max(0, size - 1) })) yield b as Buffer;
        })(),
      ),
  };
}

/** A recording made before encryption: its cast as it is, or its output events as bytes. */
async function legacyExport(row: RecordingRow, file: string, format: string): Promise<MadeExport> {
  if (format === 'asciicast') {
    const bytes = (await fs.stat(file)).size;
    return { bytes, open: () => createReadStream(file) };
  }
  if (format !== 'raw')
    throw new ValidationError(
      `recording '${row.id}' was made before signing: it exports as asciicast or raw only`,
    );
  const run = async function* (): AsyncGenerator<Buffer> {
    const src = await openFileSource(file);
    if (!src) throw new StorageError(`recording '${row.id}': file ${row.path} is unreadable (ENOENT)`);
    try {
      for await (const line of castLines(src, 0)) {
        const ev = parseEvent(line.text);
        if (ev?.kind === 'o') yield Buffer.from(ev.data, 'utf8');
      }
    } finally {
      await src.close();
    }
  };
  let bytes = 0;
  for await (const b of run()) bytes += b.length;
  return { bytes, open: () => Readable.from(run()) };
}
