// The single-node live registry against the contract every implementation keeps, plus what only
// the in-process one promises (byte counters visible at once).
import { describe, expect, it } from 'vitest';
import { InProcessRegistry } from '../../core/index.ts';
import { liveInfo } from '../support/live.ts';
import { describeLiveRegistry } from './registry-conformance.ts';

describeLiveRegistry('in-process', async () => ({
  registry: new InProcessRegistry(),
  close: async () => {},
}));

describe('in-process live registry', () => {
  it('shows byte counters at once (a cluster registry may batch them)', async () => {
    const registry = new InProcessRegistry();
    const r = await registry.register(liveInfo({ id: 's1' }), {
      screen: () => Buffer.alloc(0),
      control: () => undefined,
    });
    r.counters(12, 3400);
    expect(await registry.get('s1')).toMatchObject({ bytesIn: 12, bytesOut: 3400 });
  });

  it('forgets a viewer once it closes, breaks out of its loop, or the session ends', async () => {
    const registry = new InProcessRegistry();
    const r = await registry.register(liveInfo({ id: 's1' }), {
      screen: () => Buffer.from('screen'),
      control: () => undefined,
    });
    const closed = (await registry.subscribe('s1'))!;
    const broken = (await registry.subscribe('s1'))!;
    const kept = (await registry.subscribe('s1'))!;
    expect(registry.viewerCount('s1')).toBe(3);
    closed.close();
    for await (const _ of broken) break;
    expect(registry.viewerCount('s1')).toBe(1);
    await r.end('done');
    expect(registry.viewerCount('s1')).toBe(0);
    kept.close();
  });
});
