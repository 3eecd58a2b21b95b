import type { ServerChannel } from 'ssh2';
import type { OperatorChannel } from '../session/types.ts';

/**
 * Adapts an ssh2 server channel to the session runner. Resize events come from the session's
 * `window-change` requests, which arrive on the session, not the channel, so they are fed in.
 */
export class SshOperatorChannel implements OperatorChannel {
  readonly #resize = new Set<(cols: number, rows: number) => void>();
  #closed = false;

  constructor(readonly stream: ServerChannel) {
    stream.on('close', () => (this.#closed = true));
    // A channel error (the client vanished mid-write) ends this channel through 'close'; it must
    // never be an uncaught exception that ends every operator's session.
    stream.on('error', () => (this.#closed = true));
    stream.stderr.on('error', () => undefined);
  }

  write(chunk: Buffer | string): void {
    if (!this.#closed && this.stream.writable) this.stream.write(chunk);
  }
  needsDrain(): boolean {
    return !this.#closed && this.stream.writableNeedDrain;
  }
  onceDrain(cb: () => void): void {
    const done = () => {
      this.stream.off('drain', done);
      this.stream.off('close', done);
      cb();
    };
    this.stream.on('drain', done);
    this.stream.on('close', done);
  }
  pause(): void {
    this.stream.pause();
  }
  resume(): void {
    this.stream.resume();
  }
  writeStderr(chunk: Buffer | string): void {
    if (!this.#closed && this.stream.writable) this.stream.stderr.write(chunk);
  }
  onData(cb: (chunk: Buffer) => void): () => void {
    this.stream.on('data', cb);
    return () => this.stream.off('data', cb);
  }
  onEnd(cb: () => void): () => void {
    const once = () => cb();
    this.stream.on('end', once);
    this.stream.on('close', once);
    return () => {
      this.stream.off('end', once);
      this.stream.off('close', once);
    };
  }
  onResize(cb: (cols: number, rows: number) => void): () => void {
    this.#resize.add(cb);
    return () => this.#resize.delete(cb);
  }
  resized(cols: number, rows: number): void {
    for (const cb of this.#resize) cb(cols, rows);
  }
  exit(code: number): void {
    if (this.#closed) return;
    try {
      this.stream.exit(code);
    } catch {
      // the client went away first
    }
    this.stream.end();
  }
}
