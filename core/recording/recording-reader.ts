/**
 * Reading a recording back for replay without loading it: seek(t) gives the screen of the nearest
 * keyframe at or before t and a stream of the events from there, reading only the bytes between
 * that keyframe and what the caller pulls.
 *
 * Keyframes come from the recording's screen index (screen-index-file.ts) when it has a sound one.
 * Otherwise (a recording still being written, one written before screen indexes existed, or one
 * whose screen index is missing or damaged) prepare() makes one streaming pass over the cast that
 * draws them (screen-keyframes.ts), guided by the cast's side index when that is sound, keeps them
 * in memory and hands them to `saveScreens` for the next replay. `rebuilt` says why it did.
 */
import type { ByteSource } from './byte-source.ts';
import { castLines, parseEvent, readCastHeader, type CastEvent, type CastHeader } from './cast-lines.ts';
import { parseIndex } from './index-reader.ts';
import { drawKeyframes, unpackScreen, type PackedKeyframe, type ScreenKeyframe } from './screen-keyframes.ts';
import { DamagedScreenIndex, encodeScreenIndex, ScreenIndexFile } from './screen-index-file.ts';
import { clampTerminalSize } from '../terminal-size.ts';
import { StorageError } from '../errors.ts';

export interface RecordingSources {
  cast: ByteSource;
  /** The cast's side index (`.idx`), if there is one; opened when first needed when a function. */
  index?: ByteSource | (() => Promise<ByteSource | undefined>) | undefined;
  /** The screen index (`.screens`), if there is one and the recording is finished. */
  screens?: ByteSource | undefined;
  /** Keeps a screen index drawn by prepare() (only for finished recordings). */
  saveScreens?: ((data: Buffer) => Promise<void>) | undefined;
}

export interface SeekPoint {
  keyframe: ScreenKeyframe;
  /** The events from the keyframe on, read from the cast as they are pulled. */
  events: AsyncIterator<CastEvent>;
}

/** The side index is small (a line per keyframe); one much larger than this is not one. */
const MAX_INDEX_BYTES = 16 * 1024 * 1024;

export class RecordingReader {
  readonly #src: RecordingSources;
  readonly #header: CastHeader;
  readonly cols: number;
  readonly rows: number;
  #file: ScreenIndexFile | undefined;
  #memory: PackedKeyframe[] | undefined;
  #duration = 0;
  #rebuilt: string | undefined;
  #saveProblem: string | undefined;

  private constructor(src: RecordingSources, header: CastHeader) {
    this.#src = src;
    this.#header = header;
    ({ cols: this.cols, rows: this.rows } = clampTerminalSize(header.width, header.height));
  }

  /** Reads the cast's header and the screen index's header; nothing else yet. */
  static async open(src: RecordingSources): Promise<RecordingReader> {
    const header = await readCastHeader(src.cast);
    if (!header) {
      await closeAll(src);
      throw new StorageError('the recording file is not an asciicast recording');
    }
    const r = new RecordingReader(src, header);
    if (!src.screens) r.#rebuilt = 'it has no screen index yet';
    else {
      const file = await ScreenIndexFile.open(src.screens, {
        castBytes: src.cast.size,
        headerLine: header.line,
      });
      if (typeof file === 'string') r.#rebuilt = `its screen index is not usable (${file})`;
      else {
        r.#file = file;
        r.#duration = file.duration;
      }
    }
    return r;
  }

  /** True once seeks are answered (at once for a recording with a sound screen index). */
  get prepared(): boolean {
    return !!this.#file || !!this.#memory;
  }

  /** Why the screens had to be drawn from the cast, if they had. */
  get rebuilt(): string | undefined {
    return this.#rebuilt;
  }

  /** Why a drawn screen index could not be kept for next time, if it could not. */
  get saveProblem(): string | undefined {
    return this.#saveProblem;
  }

  /** Time of the last event (known once prepared). */
  get duration(): number {
    return this.#duration;
  }

  /** Draws the keyframes from the cast when there is no sound screen index (one streaming pass). */
  async prepare(): Promise<void> {
    if (this.prepared) return;
    const pass = await drawKeyframes(this.#src.cast, this.#header, await this.#readSideIndex());
    this.#memory = pass.keyframes;
    this.#duration = pass.duration;
    if (pass.indexProblem)
      this.#rebuilt += `; keyframes placed without the side index (${pass.indexProblem})`;
    if (this.#src.saveScreens) {
      try {
        await this.#src.saveScreens(
          encodeScreenIndex(
            { castBytes: this.#src.cast.size, headerLine: this.#header.line },
            pass.duration,
            pass.keyframes,
          ),
        );
      } catch (e) {
        this.#saveProblem = e instanceof Error ? e.message : String(e);
      }
    }
  }

  /** The nearest keyframe at or before `t` and the events from it. */
  async seek(t: number): Promise<SeekPoint> {
    await this.prepare();
    if (this.#file) {
      try {
        const { keyframe, nextOffset } = await this.#file.keyframeAt(t);
        return { keyframe, events: await this.#eventsChecked(keyframe, nextOffset) };
      } catch (e) {
        if (!(e instanceof DamagedScreenIndex)) throw e;
        // Never show a screen from a damaged index: draw them again from the cast.
        this.#file = undefined;
        this.#rebuilt = `its screen index is damaged (${e.message})`;
        await this.prepare();
      }
    }
    const keyframes = this.#memory!;
    let lo = 0;
    let hi = keyframes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (keyframes[mid]!.t <= t) lo = mid;
      else hi = mid - 1;
    }
    const { packed, ...place } = keyframes[lo]!;
    const keyframe: ScreenKeyframe = { ...place, screen: unpackScreen(packed) };
    const next = keyframes[lo + 1]?.offset;
    return {
      keyframe,
      events: events(castLines(this.#src.cast, keyframe.offset, next ? next - keyframe.offset : undefined)),
    };
  }

  /**
   * Events from a keyframe of the screen index, checking against the cast that the keyframe
   * starts an event line (the byte before it is a newline) with the keyframe's time.
   */
  async #eventsChecked(k: ScreenKeyframe, nextOffset: number | undefined): Promise<AsyncIterator<CastEvent>> {
    const first = nextOffset ? nextOffset - k.offset + 1 : undefined;
    const lines = castLines(this.#src.cast, k.offset - 1, first);
    const before = await lines.next();
    const line = await lines.next();
    const ev = line.done ? undefined : parseEvent(line.value.text);
    if (before.done || before.value.text !== '' || (ev ? Math.abs(ev.t - k.t) >= 5e-7 : !line.done))
      throw new DamagedScreenIndex(`keyframe at ${k.t} s does not match the cast`);
    return events(lines, ev);
  }

  async #readSideIndex() {
    if (typeof this.#src.index === 'function') this.#src.index = await this.#src.index();
    const idx = this.#src.index;
    if (!idx || idx.size > MAX_INDEX_BYTES) return undefined;
    const entries = parseIndex((await idx.read(0, idx.size)).toString('utf8'));
    return entries.length ? entries : undefined;
  }

  async close(): Promise<void> {
    await closeAll(this.#src);
  }
}

async function* events(
  lines: AsyncGenerator<{ text: string }>,
  first?: CastEvent,
): AsyncGenerator<CastEvent> {
  if (first) yield first;
  for await (const line of lines) {
    const ev = parseEvent(line.text);
    if (ev) yield ev;
  }
}

async function closeAll(src: RecordingSources): Promise<void> {
  const index = typeof src.index === 'function' ? undefined : src.index;
  await Promise.allSettled([src.cast.close(), index?.close(), src.screens?.close()]);
}
