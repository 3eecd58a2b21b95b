// Fault injection in front of a REAL server: a loopback TCP proxy that passes everything through
// until a client sends a chunk containing `trigger` (the password statement or request), and then
// cuts that client's connection once, either before the chunk reaches the server (the change never
// happens) or after the server has answered it (the change happened but the client never hears).
import net from 'node:net';

export type CutMode = 'before-send' | 'after-reply';

export interface CutProxy {
  port: number;
  /** How many connections were cut so far. */
  cuts(): number;
  /** Cut the next connection that sends the trigger, in this mode. */
  arm(mode: CutMode): void;
  close(): Promise<void>;
}

export async function startCutProxy(upstreamPort: number, trigger: Buffer | string): Promise<CutProxy> {
  const needle = Buffer.from(trigger);
  let armed: CutMode | null = null;
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    let cutAfterReply = false;
    upstream.on('data', (d) => {
      if (cutAfterReply) {
        // The server has processed the request: swallow its answer and drop the client.
        cutAfterReply = false;
        cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    client.on('data', (d) => {
      if (armed && d.includes(needle)) {
        const mode = armed;
        armed = null;
        if (mode === 'before-send') {
          cuts++;
          client.destroy();
          upstream.destroy();
          return;
        }
        cutAfterReply = true;
      }
      upstream.write(d);
    });
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cuts: () => cuts,
    arm: (mode) => void (armed = mode),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
