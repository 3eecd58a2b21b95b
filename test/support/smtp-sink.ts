// A local SMTP sink for tests: speaks just enough SMTP (EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA,
// RSET, NOOP, QUIT) on a loopback port and keeps every message it receives. No TLS.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface SunkMessage {
  from: string;
  to: string[];
  data: string;
  /** "user:password" from AUTH PLAIN, if the client authenticated. */
  auth?: string;
}

export interface SmtpSink {
  port: number;
  messages: SunkMessage[];
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: SunkMessage[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.setEncoding('utf8');
    let buf = '';
    let inData = false;
    let data = '';
    let cur: Partial<SunkMessage> & { to: string[] } = { to: [] };
    let auth: string | undefined;
    const reply = (line: string) => sock.write(line + '\r\n');
    reply('220 sink.test ESMTP test sink');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            messages.push({ from: cur.from ?? '', to: cur.to, data, ...(auth ? { auth } : {}) });
            cur = { to: [] };
            data = '';
            reply('250 OK queued');
          } else data += (line.startsWith('..') ? line.slice(1) : line) + '\n';
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') {
          sock.write('250-sink.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n');
        } else if (verb === 'HELO') reply('250 sink.test');
        else if (verb === 'AUTH') {
          const parts = Buffer.from(line.split(' ')[2] ?? '', 'base64')
            .toString('utf8')
            .split('\0');
          auth = `${parts[1]}:${parts[2]}`;
          reply('235 2.7.0 Authentication successful');
        } else if (verb === 'MAIL') {
          cur.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 OK');
        } else if (verb === 'RCPT') {
          cur.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 OK');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          sock.end();
        } else reply('250 OK');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    messages,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
