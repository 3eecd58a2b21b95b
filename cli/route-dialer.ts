// The landing-server dialer for remote resets: core computes the route (the same `routeTo` as
// gateway sessions) and asks for a stream to the target; the gateway's hop chain opens it, with
// each hop's own credential and host-key check and primary → secondary failover. Wired here
// because the reset room may not import the gateway and core knows no network code.
import type { RouteDialer } from '../core/index.ts';
import { openChain } from '../gateway/index.ts';

export const gatewayRouteDialer: RouteDialer = async (req) => {
  const chain = await openChain({
    route: req.route,
    target: req.target,
    credentialFor: (c) => req.credentialFor(c),
    checkHostKey: (c, key) => req.checkHostKey(c, key),
    ...(req.timeoutMs ? { timeoutMs: req.timeoutMs } : {}),
  });
  if (!chain.via) {
    chain.close();
    throw new Error('the landing route opened no stream to the target');
  }
  return {
    stream: chain.via.stream,
    landings: chain.landings.map((l) => `${l.landing} (${l.role} ${l.resource})`),
    failures: chain.failures.map((f) => ({
      landing: f.landing,
      role: f.role,
      resource: f.resource,
      reason: f.phrase,
    })),
  };
};
