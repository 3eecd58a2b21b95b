// TEMPORARY: serves the message-based LiveRegistry contract on top of the core's current
// closure-based registry, until the core's `live.registry` is the message-based one. Removed then.
import type {
  LiveEndpoint,
  LiveEntryInfo as LiveSessionInfo,
  LiveRegistration,
  LiveRegistry as LegacyRegistry,
  LiveSessionHandle,
  LiveSessionInfo as LegacyInfo,
  MessageLiveRegistry as LiveRegistry,
} from '../../core/index.ts';

export function bridgeLegacyRegistry(legacy: LegacyRegistry): Pick<LiveRegistry, 'register'> {
  return {
    async register(info: LiveSessionInfo, endpoint: LiveEndpoint): Promise<LiveRegistration> {
      let current: LegacyInfo = {
        id: info.id,
        user: info.user,
        target: info.target,
        protocol: info.protocol,
        route: info.route,
        source: info.source,
        startedAt: info.startedAt,
        bytesIn: 0,
        bytesOut: 0,
        node: info.node,
      };
      const viewers = new Map<(c: Buffer) => void, (reason: string) => void>();
      const handle: LiveSessionHandle = {
        info: () => ({ ...current }),
        snapshot: () => endpoint.screen().toString('utf8'),
        subscribe: (onData, onEnd) => {
          viewers.set(onData, onEnd);
          return () => viewers.delete(onData);
        },
        terminate: (reason) => endpoint.control({ type: 'terminate', reason, by: '' }),
      };
      legacy.register(handle);
      return {
        confirm: async (u) => {
          if (u.route) current = { ...current, route: [...u.route] };
        },
        counters: (bytesIn, bytesOut) => {
          current.bytesIn = bytesIn;
          current.bytesOut = bytesOut;
        },
        publish: (chunk) => {
          for (const onData of viewers.keys()) onData(chunk);
        },
        end: async (reason) => {
          legacy.unregister(info.id);
          for (const onEnd of viewers.values()) onEnd(reason);
          viewers.clear();
        },
      };
    },
  };
}
