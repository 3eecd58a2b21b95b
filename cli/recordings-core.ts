// The core a command gets when it reads recordings back (export): in a cluster whose nodes keep
// recordings on their own disks, a recording made on another node names that node.
import { clusterModeOn, RecordingHolderLookup } from '../cluster/index.ts';
import { configFileOf, loadConfigFile, resolveHome } from '../core/index.ts';
import { withCore, type GlobalOptions } from './context.ts';

export async function withRecordingsCore<T>(
  g: GlobalOptions,
  fn: Parameters<typeof withCore<T>>[1],
): Promise<T> {
  const config = await loadConfigFile(configFileOf(resolveHome(g.home)));
  if (!clusterModeOn(config)) return withCore(g, fn);
  const lookup = new RecordingHolderLookup(config);
  try {
    return await withCore(g, fn, { recordingHolder: lookup.holderOf });
  } finally {
    await lookup.close();
  }
}
