// The header a new recording's container starts with: its own file because the store writes it and
// tests and benchmarks build the same header to make containers of their own.
import type { ContainerHeader } from './container-format.ts';
import type { RecordingMeta } from './types.ts';

export function containerHeader(
  id: string,
  meta: RecordingMeta,
  kind: ContainerHeader['kind'],
): ContainerHeader {
  return {
    format: 'custody-recording',
    version: 1,
    id,
    kind,
    sessionId: meta.sessionId,
    user: meta.user,
    target: meta.target,
    protocol: meta.protocol,
    startedAt: meta.startedAt.toISOString(),
    cipher: 'aes-256-gcm',
  };
}
