import net from 'node:net';
import ssh2, { type Connection } from 'ssh2';
import {
  type Core,
  type Logger,
  type StartConsole,
  type StartWallboard,
  type Timers,
  systemTimers,
} from '../../core/index.ts';
import type { GatewayRuntime } from '../session/channel-session.ts';
import { defaultConnectors } from '../session/connector-registry.ts';
import type { GatewaySettings } from '../session/types.ts';
import { serverAlgorithms, type AlgorithmChoice } from './algorithms.ts';
import { ConnectionRouter } from './connection-router.ts';
import { DEFAULT_DOOR_LIMITS, PreauthDoor, type DoorLimits } from './preauth.ts';
import { setupPhase, setupPhasesWatched } from '../setup-phases.ts';

export interface GatewayOptions {
  core: Core;
  host: string;
  port: number;
  hostKey: Buffer;
  settings: GatewaySettings;
  logger: Logger;
  /**
   * The full-screen operator console (tui/), handed in by the composition root. Without it, or
   * for a shell without a pty (`ssh -T`), the console is the line-based account list.
   */
  startConsole?: StartConsole;
  /**
   * The operations wallboard (wallboard/), opened by the `USER:wallboard` user name; handed in by
   * the composition root like the console. Without it that user name is refused with a line.
   */
  startWallboard?: StartWallboard;
  /** Replaces the offered key exchanges, ciphers or MACs (./algorithms.ts has the defaults). */
  algorithms?: AlgorithmChoice;
  /** Bounds before authentication (./preauth.ts has the defaults). */
  door?: Partial<DoorLimits>;
  /** What the sessions' idle, maximum-duration and check-out-expiry clocks run on (default real time). */
  timers?: Timers;
  /**
   * Where browsers reach this node's web listener (`https://HOST:PORT`), asked each time a
   * one-time link is shown (the console's browser links, an RDP account's launch); undefined while
   * no listener runs. The listener starts after the SSH door, so this is asked, not given.
   */
  webAddress?: () => string | undefined;
}

export interface RunningGateway {
  host: string;
  port: number;
  /** Listening and not shutting down: the node accepts sessions (readiness). */
  accepting(): boolean;
  close(): Promise<void>;
}

/**
 * The SSH front door. We own the listening socket: each accepted connection passes the pre-auth
 * door (per-source and overall bounds, the login grace time) before ssh2 sees it; then ssh2's
 * server, one ConnectionAuth and one router per connection.
 */
export function startGateway(o: GatewayOptions): Promise<RunningGateway> {
  const connections = new Set<Connection>();
  const door = new PreauthDoor({ ...DEFAULT_DOOR_LIMITS, ...o.door }, o.logger, (why) =>
    o.core.system.metrics.doorRefused(why),
  );
  const runtime: GatewayRuntime = {
    core: o.core,
    settings: o.settings,
    logger: o.logger,
    timers: o.timers ?? systemTimers,
    live: o.core.system.liveRegistry,
    connectors: defaultConnectors(o.settings),
  };
  const ssh = new ssh2.Server(
    { hostKeys: [o.hostKey], ident: 'Custody', algorithms: serverAlgorithms(o.algorithms) },
    (client, info) => {
      connections.add(client);
      client.on('close', () => connections.delete(client));
      client.on('ready', () => door.authenticated(info.ip, info.port));
      if (setupPhasesWatched()) {
        client.once('handshake', () => setupPhase('key-exchange'));
        client.once('ready', () => setupPhase('operator-authenticated'));
      }
      new ConnectionRouter(o, runtime, client, info.ip).attach();
    },
  );
  ssh.on('error', (e: Error) =>
    o.logger.log('error', 'ssh server error', { error: e.message.split('\n')[0] }),
  );
  const server = net.createServer((socket) => {
    setupPhase('accepted');
    // No Nagle delay on the operator's connection: small packets (set-up replies, keystroke
    // echoes) go out at once instead of waiting for the client's delayed ACK (see dialSsh).
    socket.setNoDelay(true);
    if (door.admit(socket)) ssh.injectSocket(socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      // After the start (e.g. EMFILE on accept): logged, never an uncaught exception.
      server.on('error', (e: Error) =>
        o.logger.log('error', 'ssh listener error', { error: e.message.split('\n')[0] }),
      );
      const addr = server.address() as net.AddressInfo;
      let closing = false;
      resolve({
        host: addr.address,
        port: addr.port,
        accepting: () => server.listening && !closing,
        close: () =>
          new Promise<void>((done) => {
            closing = true;
            for (const c of connections) c.end();
            server.close(() => done());
          }),
      });
    });
  });
}
