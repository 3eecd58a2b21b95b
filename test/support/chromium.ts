// Debian's Chromium as the browser tests and the web bench drive it. As root it needs
// --no-sandbox; the background-networking flags stop it reaching for Google's hosts, which this
// machine's closed network refuses many times a second.
//
// Chromium aborts its navigations and sockets with ERR_NETWORK_CHANGED whenever an address or
// route changes in its network namespace, and tests running beside it keep adding and removing
// veth links and routes in the root namespace. So where namespaces can be made, each browser runs
// in a namespace of its own, where nothing changes after it starts, and reaches the test's
// listeners on the root namespace's loopback through a CONNECT proxy on its one link. The page
// still asks for https://127.0.0.1:PORT, and the listener still sees a loopback client.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createTopology, netnsSkipReason } from './netns.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let launches = 0;

export async function launchChromium(): Promise<Browser> {
  if (netnsSkipReason()) return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
  const node = `chr${++launches}`;
  const topo = await createTopology({ nodes: [node], links: [['root', node]] });
  let proxy: LoopbackProxy | undefined;
  try {
    // No IPv6 in there: its link-local address finishing duplicate detection a second after the
    // link came up would be an address change inside the namespace, after Chromium started.
    for (const scope of ['all', 'default'])
      topo.exec(node, 'sysctl', ['-q', '-w', `net.ipv6.conf.${scope}.disable_ipv6=1`]);
    proxy = await startLoopbackProxy(topo.addr('root', node));
    const wrapper = path.join(os.tmpdir(), `${topo.ns(node)}-chromium`);
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${topo.ns(node)} ${CHROMIUM_PATH} "$@"\n`, {
      mode: 0o755,
    });
    const browser = await chromium.launch({
      executablePath: wrapper,
      args: [
        ...ARGS,
        `--proxy-server=http://${proxy.address}`,
        // Without this Chromium never sends loopback addresses to a proxy.
        '--proxy-bypass-list=<-loopback>',
      ],
    });
    const p = proxy;
    browser.on('disconnected', () => {
      p.close();
      topo.destroy();
    });
    return browser;
  } catch (e) {
    proxy?.close();
    topo.destroy();
    throw e;
  }
}

interface LoopbackProxy {
  /** host:port to give Chromium. */
  readonly address: string;
  close(): void;
}

/** An HTTP proxy that opens tunnels (CONNECT) to this namespace's loopback, and nowhere else. */
async function startLoopbackProxy(host: string): Promise<LoopbackProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = http.createServer((_req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' });
    res.end('only CONNECT to 127.0.0.1\n');
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    track(client);
    const m = /^(127\.0\.0\.1|localhost):(\d{1,5})$/.exec(req.url ?? '');
    if (!m) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(m[2]), '127.0.0.1');
    track(upstream);
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    upstream.on('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    // Each side's end reaches the other through pipe() (a half-close, after what was written is
    // flushed); only a failure cuts the other side at once.
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!client.writableEnded) client.destroy();
    });
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `${host}:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
