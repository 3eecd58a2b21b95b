// A hostile RDP "server" for fuzzing the client: it replays what a REAL server (freerdp-shadow)
// said in a recorded session, PDU by PDU, each one only once the client has sent as many bytes as
// it had when the real server said it, and at a chosen PDU sends something broken instead.
//
// The transcript is recorded through a TLS-terminating proxy between the engine and the real
// server, so the replay holds the decrypted PDUs (the X.224 confirm in clear, everything after it
// inside TLS), with the hostile server presenting its own certificate.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

export interface TranscriptStep {
  /** Client bytes (after TLS) the real server had received when it sent this PDU. */
  after: number;
  pdu: Buffer;
}

export interface Transcript {
  /** The server's X.224 Connection Confirm, sent in clear. */
  confirm: Buffer;
  /** Everything the server sent inside TLS, one PDU per step. */
  steps: TranscriptStep[];
}

export interface TlsIdentity {
  key: Buffer;
  cert: Buffer;
}

export function tlsIdentity(keyFile: string, certFile: string): TlsIdentity {
  return { key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

/** Splits a server byte stream into PDUs by their headers (TPKT or fastpath); a tail is kept whole. */
export function splitPdus(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    let len: number;
    if (data[at] === 0x03) len = at + 4 <= data.length ? data.readUInt16BE(at + 2) : 0;
    else if (at + 1 >= data.length) len = 0;
    else if (data[at + 1]! & 0x80)
      len = at + 2 < data.length ? ((data[at + 1]! & 0x7f) << 8) | data[at + 2]! : 0;
    else len = data[at + 1]!;
    if (len < 2 || at + len > data.length) {
      out.push(data.subarray(at));
      break;
    }
    out.push(data.subarray(at, at + len));
    at += len;
  }
  return out;
}

export interface Listening {
  port: number;
  close(): Promise<void>;
}

function listen(server: net.Server): Promise<Listening> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/**
 * A proxy to the real server at `target` that records the transcript; `transcript()` returns
 * what it has so far (the server's stream re-split into PDUs).
 */
export async function recordingProxy(
  target: { host: string; port: number },
  identity: TlsIdentity,
): Promise<Listening & { transcript(): Transcript }> {
  let confirm = Buffer.alloc(0);
  const chunks: { after: number; data: Buffer }[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.push(client, upstream);
    client.once('data', (request) => {
      upstream.write(request);
      upstream.once('data', (reply) => {
        confirm = Buffer.from(reply);
        client.write(reply);
        const clientTls = new tls.TLSSocket(client, { isServer: true, ...identity });
        const upstreamTls = tls.connect({ socket: upstream, rejectUnauthorized: false });
        let sent = 0;
        clientTls.on('data', (d: Buffer) => {
          sent += d.length;
          upstreamTls.write(d);
        });
        upstreamTls.on('data', (d: Buffer) => {
          chunks.push({ after: sent, data: Buffer.from(d) });
          clientTls.write(d);
        });
        for (const s of [clientTls, upstreamTls]) s.on('error', () => undefined);
        clientTls.on('close', () => upstreamTls.destroy());
        upstreamTls.on('close', () => clientTls.destroy());
      });
    });
    for (const s of [client, upstream]) s.on('error', () => undefined);
  });
  const l = await listen(server);
  return {
    ...l,
    close: async () => {
      for (const s of sockets) s.destroy();
      await l.close();
    },
    transcript() {
      // PDUs may straddle TLS records: join the chunks sent at the same point, then split.
      const steps: TranscriptStep[] = [];
      let i = 0;
      while (i < chunks.length) {
        const after = chunks[i]!.after;
        const same: Buffer[] = [];
        while (i < chunks.length && chunks[i]!.after === after) same.push(chunks[i++]!.data);
        for (const pdu of splitPdus(Buffer.concat(same))) steps.push({ after, pdu });
      }
      return { confirm, steps };
    },
  };
}

/** What the hostile server sends in one case. */
export interface HostilePlan {
  /** The X.224 confirm to send (the recorded one, or a broken one). */
  confirm: Buffer;
  /** Sent inside TLS once the client has sent `after` bytes; empty when the case breaks X.224. */
  steps: TranscriptStep[];
  /** After the last step: end the connection, or stay silent (the client's timeout must fire). */
  then: 'end' | 'silent';
  /** Called once every byte of the plan has been handed to the kernel. */
  onSent?: () => void;
}

/** One connection per case: `next()` gives the plan for the next client that connects. */
export async function hostileServer(identity: TlsIdentity, next: () => HostilePlan): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const plan = next();
    const done = () => plan.onSent?.();
    socket.once('data', () => {
      const finish = (s: net.Socket | tls.TLSSocket) => {
        if (plan.then === 'end') s.end(done);
        else s.write(Buffer.alloc(0), done);
      };
      if (!plan.steps.length) {
        socket.write(plan.confirm);
        finish(socket);
        return;
      }
      socket.write(plan.confirm);
      const secure = new tls.TLSSocket(socket, { isServer: true, ...identity });
      secure.on('error', () => undefined);
      let received = 0;
      let step = 0;
      const pump = () => {
        while (step < plan.steps.length && plan.steps[step]!.after <= received)
          secure.write(plan.steps[step++]!.pdu);
        if (step === plan.steps.length) {
          step++;
          finish(secure);
        }
      };
      secure.on('data', (d: Buffer) => {
        received += d.length;
        pump();
      });
      secure.once('secure', pump);
    });
  });
  const l = await listen(server);
  return {
    ...l,
    close: async () => {
      for (const s of sockets) s.destroy();
      await l.close();
    },
  };
}
