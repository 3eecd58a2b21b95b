// A plain TCP connection with a time budget, failing with a DialError phrase (never an uncaught
// socket error): used by the Telnet connector and by `ssh -L` forwards on a direct route.
import net from 'node:net';
import { DialError, oneLine, seconds, socketFailure } from './failures.ts';

export function connectTcp(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DialError('timeout', `did not answer within ${seconds(timeoutMs)}`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // Never unhandled: a later failure reaches the caller as 'close' (and its own listeners).
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        socketFailure(err.code, timeoutMs) ??
          new DialError('protocol', `connection failed (${oneLine(err.message, 80)})`),
      );
    });
  });
}
