// The core a command gets when what it does reaches live sessions (listing or terminating them,
// or a check-in that ends its check-out's sessions).
import { ClusterNode, clusterModeOn } from '../cluster/index.ts';
import { configFileOf, layoutOf, loadConfigFile, resolveHome, silentLogger } from '../core/index.ts';
import { withCore, type GlobalOptions } from './context.ts';
import { ControlSocketRegistry, controlSocketPath } from './control-socket.ts';

/**
 * Runs `fn` with a core whose live registry is the cluster's when the configuration turns cluster
 * mode on (every node's sessions; terminate reaches the owning node), else the running server's,
 * through its control socket (no server running: no live sessions).
 */
export async function withLiveCore<T>(g: GlobalOptions, fn: Parameters<typeof withCore<T>>[1]): Promise<T> {
  const home = resolveHome(g.home);
  const config = await loadConfigFile(configFileOf(home));
  if (!clusterModeOn(config))
    return withCore(g, fn, {
      liveRegistry: new ControlSocketRegistry(controlSocketPath(layoutOf(home, config).dataDir)),
    });
  const node = await ClusterNode.connect({ config, node: 'cli', logger: silentLogger });
  try {
    await node.redisReady();
    return await withCore(g, fn, { liveRegistry: node.registry });
  } finally {
    await node.disconnect();
  }
}
