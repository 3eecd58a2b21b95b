// Live-registry entries as the gateway would register them, for tests that only need a session to
// be there (listed, terminated, ended by a check-in) without a real connection behind it.
import type { LiveControl, LiveRegistry, LiveSessionInfo } from '../../core/index.ts';

export function liveInfo(over: Partial<LiveSessionInfo> & { id: string }): LiveSessionInfo {
  return {
    user: 'someone',
    target: 'x/y',
    protocol: 'ssh',
    kind: 'terminal',
    state: 'live',
    requestId: null,
    expiresAt: null,
    route: [],
    source: 't',
    startedAt: '2026-01-01T00:00:00.000Z',
    bytesIn: 0,
    bytesOut: 0,
    node: 'n',
    ...over,
  };
}

/** Registers a session whose endpoint records the control messages it receives. */
export async function registerFake(
  registry: LiveRegistry,
  over: Partial<LiveSessionInfo> & { id: string },
  received: LiveControl[] = [],
  screen = '',
) {
  const registration = await registry.register(liveInfo(over), {
    screen: () => Buffer.from(screen),
    control: (m) => void received.push(m),
  });
  return { registration, received };
}
