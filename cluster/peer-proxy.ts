import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import {
  clampTerminalSize,
  TargetError,
  type LiveEvent,
  type LiveSubscribeOptions,
  type LiveSubscription,
  type Logger,
} from '../core/index.ts';
import {
  nodeClientOptions,
  nodeServerOptions,
  peerNodeName,
  type NodeIdentity,
} from './node-certificates.ts';
import type { PeerNode, PeerStreams } from './peer-streams.ts';

/**
 * The node-to-node stream of a session's live output, over mutual TLS between cluster nodes. The
 * viewer's node sends one JSON line naming the session; the owner answers with JSON lines, one per
 * event (`screen`, `output`, `end`, or `none` when it no longer holds the session), from its own
 * registry. The owner writes only as fast as the socket drains, so a slow viewer falls behind in
 * the owner's registry, which resynchronises it as it would a local viewer.
 */
type Wire =
  /** `s`: the session's terminal size `[cols, rows]`, when the owner knows it. */
  | { t: 'screen'; d: string; r: boolean; s?: [number, number] }
  | { t: 'output'; d: string }
  | { t: 'end'; reason: string }
  | { t: 'none' };

const MAX_REQUEST = 4096;
/** What the owner buffers for a remote viewer before it resynchronises it itself. */
const OWNER_BUFFER = 4 * 1024 * 1024;

export interface LocalSessions {
  subscribeLocal(id: string, options: LiveSubscribeOptions): Promise<LiveSubscription | undefined>;
}

/** Serves this node's sessions to the other nodes (only to holders of a cluster certificate). */
export async function servePeerStreams(o: {
  identity: NodeIdentity;
  host: string;
  port: number;
  sessions: LocalSessions;
  logger: Logger;
}): Promise<{ port: number; close(): Promise<void> }> {
  const open = new Set<TLSSocket>();
  const server: Server = createServer(nodeServerOptions(o.identity), (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    let request = '';
    socket.setEncoding('utf8');
    const onData = (chunk: string) => {
      request += chunk;
      if (request.length > MAX_REQUEST) return socket.destroy();
      const nl = request.indexOf('\n');
      if (nl < 0) return;
      socket.off('data', onData);
      void stream(socket, request.slice(0, nl)).catch(() => socket.destroy());
    };
    socket.on('data', onData);
  });
  server.on('tlsClientError', (e) =>
    o.logger.log('warn', 'node-to-node connection refused', { error: e.message }),
  );

  const stream = async (socket: TLSSocket, line: string) => {
    const { session, maxBufferedBytes } = JSON.parse(line) as { session: string; maxBufferedBytes?: number };
    const sub = await o.sessions.subscribeLocal(String(session), {
      ...(typeof maxBufferedBytes === 'number' ? { maxBufferedBytes } : {}),
    });
    if (!sub) return void socket.end(JSON.stringify({ t: 'none' } satisfies Wire) + '\n');
    o.logger.log('info', 'node-to-node viewer', { session, peer: peerNodeName(socket.getPeerCertificate()) });
    socket.on('close', () => sub.close());
    for await (const e of sub) {
      const wire: Wire =
        e.type === 'end'
          ? { t: 'end', reason: e.reason }
          : e.type === 'screen'
            ? {
                t: 'screen',
                d: e.data.toString('base64'),
                r: e.resync,
                ...(e.size ? { s: [e.size.cols, e.size.rows] as [number, number] } : {}),
              }
            : { t: 'output', d: e.data.toString('base64') };
      if (!socket.write(JSON.stringify(wire) + '\n'))
        await new Promise<void>((r) => {
          socket.once('drain', r);
          socket.once('close', r);
        });
      if (socket.destroyed) break;
    }
    socket.end();
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : o.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One open stream from the owner: its socket, the first event, and the lines that follow. */
interface OpenStream {
  socket: TLSSocket;
  first: LiveEvent;
  lines: AsyncIterator<Wire>;
}

const DEFAULT_MAX_BUFFERED = 1024 * 1024;

/**
 * One viewer's end of a node-to-node stream. The viewer's buffer bound is kept here, where the
 * viewer reads: when it falls that far behind, what it has not read is dropped and the stream is
 * opened again, whose first event — the owner's current screen — is handed over as the resync.
 */
class PeerSubscription implements LiveSubscription {
  readonly #queue: LiveEvent[] = [];
  #buffered = 0;
  #wake: (() => void) | undefined;
  #done = false;
  #current: OpenStream;
  #reopening = false;

  constructor(
    first: OpenStream,
    private readonly maxBuffered: number,
    private readonly reopen: () => Promise<OpenStream | undefined>,
  ) {
    this.#current = first;
    this.#attach(first, false);
  }

  #push(e: LiveEvent): void {
    this.#queue.push(e);
    if (e.type !== 'end') this.#buffered += e.data.length;
    if (e.type === 'end') this.#done = true;
    this.#wake?.();
  }

  #attach(stream: OpenStream, resync: boolean): void {
    const first = stream.first;
    this.#push(first.type === 'screen' && resync ? { ...first, resync: true } : first);
    void (async () => {
      for (;;) {
        const r = await stream.lines.next().catch(() => ({ done: true as const, value: undefined }));
        if (this.#current !== stream || this.#done) return;
        if (r.done) break;
        const e = toEvent(r.value);
        if (!e) continue;
        if (e.type === 'output' && this.#buffered + e.data.length > this.maxBuffered) {
          void this.#resync();
          return;
        }
        this.#push(e);
      }
      // The owner went away without an end: the stream is over for this viewer.
      this.#done = true;
      this.#wake?.();
    })();
  }

  async #resync(): Promise<void> {
    if (this.#reopening) return;
    this.#reopening = true;
    this.#current.socket.destroy();
    this.#queue.length = 0;
    this.#buffered = 0;
    const next = await this.reopen().catch(() => undefined);
    this.#reopening = false;
    if (this.#done) {
      next?.socket.destroy();
      return;
    }
    if (!next) {
      this.#done = true;
      this.#wake?.();
      return;
    }
    this.#current = next;
    this.#attach(next, true);
  }

  close(): void {
    this.#done = true;
    this.#queue.length = 0;
    this.#current.socket.destroy();
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LiveEvent> {
    try {
      for (;;) {
        const e = this.#queue.shift();
        if (e) {
          if (e.type !== 'end') this.#buffered -= e.data.length;
          yield e;
          if (e.type === 'end') return;
          continue;
        }
        if (this.#done && !this.#reopening) return;
        await new Promise<void>((r) => (this.#wake = r));
        this.#wake = undefined;
      }
    } finally {
      this.close();
    }
  }
}

function toEvent(w: Wire): LiveEvent | undefined {
  if (w.t === 'screen') {
    // Another node's word for the size, kept within the terminal sizes the gateway allows.
    const size = Array.isArray(w.s) ? clampTerminalSize(w.s[0], w.s[1]) : undefined;
    return { type: 'screen', data: Buffer.from(w.d, 'base64'), resync: w.r, ...(size ? { size } : {}) };
  }
  if (w.t === 'output') return { type: 'output', data: Buffer.from(w.d, 'base64') };
  if (w.t === 'end') return { type: 'end', reason: w.reason };
  return undefined;
}

async function* jsonLines(socket: TLSSocket): AsyncGenerator<Wire> {
  let buffered = '';
  socket.setEncoding('utf8');
  for await (const chunk of socket) {
    buffered += chunk as string;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line) yield JSON.parse(line) as Wire;
    }
  }
}

/** Reaches the owner of a session over mutual TLS, with this node's certificate. */
export class TlsPeerStreams implements PeerStreams {
  constructor(private readonly identity: NodeIdentity) {}

  async subscribe(
    owner: PeerNode,
    sessionId: string,
    options: LiveSubscribeOptions,
  ): Promise<LiveSubscription | undefined> {
    const first = await this.#open(owner, sessionId);
    if (!first) return undefined;
    return new PeerSubscription(first, options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED, () =>
      this.#open(owner, sessionId),
    );
  }

  async #open(owner: PeerNode, sessionId: string): Promise<OpenStream | undefined> {
    const at = owner.address.lastIndexOf(':');
    const socket = connect({
      ...nodeClientOptions(this.identity, owner.name),
      host: owner.address.slice(0, at),
      port: Number(owner.address.slice(at + 1)),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    socket.on('error', () => undefined);
    // The owner keeps a generous buffer of its own: the viewer's bound is kept at the viewer.
    socket.write(JSON.stringify({ session: sessionId, maxBufferedBytes: OWNER_BUFFER }) + '\n');
    const lines = jsonLines(socket);
    const first = await lines.next().catch(() => ({ done: true as const, value: undefined }));
    // The owner always answers, `none` included: a stream closed without a word was refused (in
    // TLS 1.3 the owner checks this node's certificate after the handshake looks complete here).
    if (first.done) {
      socket.destroy();
      throw new TargetError(`node '${owner.name}' refused the node-to-node stream`, { node: owner.name });
    }
    const event = toEvent(first.value);
    if (!event) {
      socket.destroy();
      return undefined;
    }
    return { socket, first: event, lines };
  }
}
