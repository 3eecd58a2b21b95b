// The patched node-rdpjs announces the static virtual channels a session asks for in its client
// network data (MS-RDPBCGR 2.2.1.3.4: CHANNEL_DEF is an 8-byte NUL-padded ANSI name and u32
// options), and announces none unless asked: a session with the clipboard off never names it.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { rdpjs } from '../../../gateway/connectors/rdp/rdpjs.ts';

const gcc = createRequire(import.meta.url)('node-rdpjs/lib/protocol/t125/gcc.js') as {
  block(data: unknown): { toStream(): { getValue(): Buffer } };
};

function networkBlock(channels?: string[]): Buffer {
  const client = rdpjs.createClient({ logLevel: 'NONE', ...(channels ? { channels } : {}) }) as unknown as {
    mcs: { clientNetworkData: unknown };
    bufferLayer: { destroy(): void };
  };
  const bytes = gcc.block(client.mcs.clientNetworkData).toStream().getValue();
  client.bufferLayer.destroy();
  return bytes;
}

describe('client network data (CS_NET)', () => {
  it('lists cliprdr with its options when asked for', () => {
    const b = networkBlock(['cliprdr']);
    expect(b.readUInt16LE(0)).toBe(0xc003); // CS_NET
    expect(b.readUInt16LE(2)).toBe(b.length);
    expect(b.readUInt32LE(4)).toBe(1);
    expect(b.subarray(8, 16)).toEqual(Buffer.from('cliprdr\0', 'ascii'));
    expect(b.readUInt32LE(16)).toBe(0xc0a00000);
  });

  it('lists no channel by default', () => {
    const b = networkBlock();
    expect(b.readUInt32LE(4)).toBe(0);
    expect(b.length).toBe(8);
    expect(b.includes(Buffer.from('cliprdr'))).toBe(false);
  });
});
