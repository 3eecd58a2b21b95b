// Reads what the server sends during CredSSP off the TLS stream: whole DER TSRequests (framed by
// der-frame.ts) and, for HYBRID_EX, the 4-byte Early User Authorization Result. Each read has a
// time limit from injected timers, so a server that stops talking ends in 'timeout', never a hang;
// a closed stream ends the pending read with 'closed'. `detach` hands back any bytes read past the
// last message, so the RDP layer that takes the stream over next loses nothing.
import type { Duplex } from 'node:stream';
import { derMessageLength } from './der-frame.ts';
import { CredsspFailure } from './outcomes.ts';
import { CredsspFormatError } from './ts-request.ts';

export interface NlaTimers {
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

type Want = (b: Buffer) => number | undefined;

interface PendingRead {
  want: Want;
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
  cancel: () => void;
}

export class NlaMessageReader {
  #buf: Buffer = Buffer.alloc(0);
  #ended: CredsspFailure | undefined;
  #pending: PendingRead | undefined;
  readonly #onData = (d: Buffer) => {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
    this.#pump();
  };
  readonly #onEnd = () =>
    this.#end(new CredsspFailure('closed', 'the server closed the connection during NLA'));
  readonly #onError = (e: Error) =>
    this.#end(
      new CredsspFailure(
        'closed',
        `the connection failed during NLA (${(e as { code?: string }).code ?? e.name})`,
      ),
    );

  constructor(
    private readonly stream: Duplex,
    private readonly timers: NlaTimers,
    private readonly timeoutMs: number,
  ) {
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('close', this.#onEnd);
    stream.on('error', this.#onError);
  }

  /** The next whole DER message. */
  nextMessage(): Promise<Buffer> {
    return this.#read((b) => derMessageLength(b));
  }

  /** Exactly `n` bytes. */
  nextBytes(n: number): Promise<Buffer> {
    return this.#read((b) => (b.length >= n ? n : undefined));
  }

  /** Stops listening; returns the bytes received past the last message read. */
  detach(): Buffer {
    this.stream.off('data', this.#onData);
    this.stream.off('end', this.#onEnd);
    this.stream.off('close', this.#onEnd);
    this.stream.off('error', this.#onError);
    this.#pending?.cancel();
    this.#pending = undefined;
    const rest = this.#buf;
    this.#buf = Buffer.alloc(0);
    return rest;
  }

  #read(want: Want): Promise<Buffer> {
    if (this.#pending) return Promise.reject(new Error('one NLA read at a time'));
    return new Promise((resolve, reject) => {
      const cancel = this.timers.after(this.timeoutMs, () => {
        this.#pending = undefined;
        reject(
          new CredsspFailure(
            'timeout',
            `the server did not answer within ${Math.round(this.timeoutMs / 1000)} s during NLA`,
          ),
        );
      });
      this.#pending = { want, resolve, reject, cancel };
      this.#pump();
    });
  }

  #pump(): void {
    const p = this.#pending;
    if (!p) return;
    let n: number | undefined;
    try {
      n = p.want(this.#buf);
    } catch (e) {
      return this.#settle((x) =>
        x.reject(e instanceof CredsspFormatError ? new CredsspFailure('protocol', e.message) : (e as Error)),
      );
    }
    if (n !== undefined && this.#buf.length >= n) {
      const msg = this.#buf.subarray(0, n);
      this.#buf = this.#buf.subarray(n);
      return this.#settle((x) => x.resolve(Buffer.from(msg)));
    }
    if (this.#ended) this.#settle((x) => x.reject(this.#ended!));
  }

  #settle(f: (p: PendingRead) => void): void {
    const p = this.#pending!;
    this.#pending = undefined;
    p.cancel();
    f(p);
  }

  #end(e: CredsspFailure): void {
    this.#ended ??= e;
    this.#pump();
  }
}
