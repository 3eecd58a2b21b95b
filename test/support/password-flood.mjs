// A password flood against the front door, in its own process so its handshakes do not share the
// gateway's event loop: COUNT ssh2 connections at once that each send a wrong password for USER and
// drop 20 ms later, spread over SOURCES loopback addresses 127.0.1.1 … Usage:
//   node password-flood.mjs PORT USER COUNT SOURCES
// Prints one line of JSON when every connection has ended: how many reached the password step.
import ssh2 from 'ssh2';

const [port, user, count, sources] = process.argv.slice(2);
let sent = 0;
const one = (i) =>
  new Promise((resolve) => {
    const client = new ssh2.Client();
    client.on('error', () => resolve()).on('close', () => resolve());
    client.connect({
      host: '127.0.0.1',
      port: Number(port),
      localAddress: `127.0.1.${1 + (i % Number(sources))}`,
      username: user,
      readyTimeout: 60_000,
      authHandler: (_methods, _partial, next) => {
        sent++;
        next({ type: 'password', username: user, password: 'not-the-password' });
        setTimeout(() => client.destroy(), 20);
        return undefined;
      },
    });
  });
await Promise.all(Array.from({ length: Number(count) }, (_, i) => one(i)));
process.stdout.write(JSON.stringify({ sent }) + '\n');
