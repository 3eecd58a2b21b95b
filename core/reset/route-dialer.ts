import type { Duplex } from 'node:stream';
import type { Credential, Hop, HopCandidate } from '../sessions/types.ts';

/** What a reset needs from the landing-server chain: the same route and checks a session uses. */
export interface RouteDialRequest {
  /** From the node outwards (core/sessions/landing-service.ts `routeTo`); never empty. */
  route: Hop[];
  target: { ref: string; host: string; port: number; protocol: string };
  /** A hop's vaulted credential, fetched only when that candidate is tried. */
  credentialFor(candidate: HopCandidate): Promise<Credential>;
  /** Resolves to accept a hop's host key, throws to refuse it (pinned per landing resource). */
  checkHostKey(candidate: HopCandidate, key: { type: string; fingerprint: string }): Promise<void>;
  timeoutMs?: number;
}

export interface RoutedStream {
  /** Connected to target host:port through the last landing; destroying it closes the chain. */
  stream: Duplex;
  /** The landing candidates used, e.g. `dmz (secondary jump1b)`. */
  landings: string[];
  /** Candidates that failed before one worked (failover), for the audit trail. */
  failures: { landing: string; role: string; resource: string; reason: string }[];
}

/**
 * Opens a landing-server chain. Core only states the shape: the composition root (cli/) implements
 * it with the gateway's hop chain, so resets and sessions take the very same route with the same
 * primary → secondary failover, and core stays free of network code.
 */
export type RouteDialer = (req: RouteDialRequest) => Promise<RoutedStream>;
