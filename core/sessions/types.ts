import type { Actor } from '../authz/actor.ts';
import type { Secret } from '../crypto/secret.ts';
import type { ClipboardPolicy, Protocol } from '../model.ts';

/** The account a session opens, as the gateway needs it. */
export interface SessionTarget {
  ref: string;
  resource: string;
  account: string;
  protocol: Protocol;
  typeName: string;
  host: string;
  port: number;
  /** Port forwarding through this resource is refused unless the resource allows it. */
  allowPortForwarding: boolean;
  /** SFTP recordings keep the file contents too (the resource's setting). */
  recordFileContents?: boolean;
  /** The resource's clipboard policy for RDP sessions, read when the session is authorised. */
  clipboard?: ClipboardPolicy;
}

/** One way to reach a landing server: its primary or its secondary resource/account. */
export interface HopCandidate {
  landing: string;
  role: 'primary' | 'secondary';
  resource: string;
  account: string;
  ref: string;
  protocol: Protocol;
  host: string;
  port: number;
}

/** A landing server on the route; candidates are tried in order (primary, then secondary). */
export interface Hop {
  landing: string;
  candidates: HopCandidate[];
}

/**
 * Proof that one actor may open one account right now (Warpgate's pattern): dialling a target
 * needs a grant, and only core issues them.
 */
export interface SessionGrant {
  id: string;
  actor: Actor;
  target: SessionTarget;
  /** Landing servers from the gateway outwards; empty for a direct connection. */
  route: Hop[];
  issuedAt: string;
  /** The check-out this session runs under (null when the account needs none). */
  requestId: string | null;
  /** When that check-out ends (ISO; null when it has no end or there is none). */
  expiresAt: string | null;
}

export type Credential =
  | { kind: 'password'; username: string; secret: Secret }
  | { kind: 'private-key'; username: string; secret: Secret };
