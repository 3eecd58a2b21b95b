// The clipboard channel against a REAL xrdp (its chansrv speaks CLIPRDR): the engine announces
// and joins `cliprdr`, chansrv's capabilities and Monitor Ready arrive through the patched
// node-rdpjs and our channel framing, and text an X client on the target puts on CLIPBOARD (an
// xterm setting it with OSC 52) reaches the gateway as a Format List and comes back on request;
// text the gateway offers is what an X client reading CLIPBOARD (an xterm's OSC 52 query) gets.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../core/index.ts';
import { openRdpSession } from '../../gateway/connectors/rdp/engine.ts';
import { ClipboardClient } from '../../protocols/rdp/cliprdr-client.ts';
import { createTopology, netnsSkipReason, type Topology } from '../support/netns.ts';
import { eventually, rdpServerSkipReason, startXrdp, type RdpTestServer } from '../support/rdp-servers.ts';

const skip = netnsSkipReason() ?? rdpServerSkipReason('xrdp');
const TEXT = 'copied-on-the-target 42';

describe.skipIf(skip)(`RDP clipboard against xrdp ${skip ?? ''}`, () => {
  let topo: Topology;
  let server: RdpTestServer;
  beforeAll(async () => {
    topo = await createTopology({ nodes: ['dc'], links: [['root', 'dc']] });
    server = await startXrdp({ netns: topo.ns('dc'), address: topo.addr('dc', 'root'), port: 3389 });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    topo?.destroy();
  });

  it('joins cliprdr; text an X client copies on the target comes out, text offered is what an X client pastes', async () => {
    const session = await openRdpSession({
      host: server.host,
      port: server.port,
      size: { width: 1024, height: 768 },
      user: server.user.name,
      password: Secret.fromString(server.user.password),
      certificateCheck: async () => undefined,
      channels: ['cliprdr'],
      timeoutMs: 20_000,
    });
    try {
      expect(session.channels).toEqual(['cliprdr']);
      const got: string[] = [];
      const client = new ClipboardClient({
        fetchFromTarget: true,
        maxTextBytes: 1024 * 1024,
        events: {
          send: (m) => void session.sendChannel('cliprdr', m),
          fromTarget: (text) => got.push(text),
          delivered: () => undefined,
          refused: () => undefined,
        },
      });
      let reader = (m: Uint8Array) => client.receive(m);
      session.onChannel((_n, m) => m && reader(m));
      await eventually(() => client.ready, 'Monitor Ready from chansrv', 30_000);
      await eventually(() => server.display() !== undefined, 'the xrdp display', 30_000);
      const b64 = Buffer.from(TEXT).toString('base64');
      server.onDisplay('sh', [
        '-c',
        `xterm -xrm 'XTerm*allowWindowOps: true' -xrm 'XTerm*disallowedWindowOps: ' -e sh -c "printf '\\033]52;c;${b64}\\007'; sleep 20" >/dev/null 2>&1 &`,
      ]);
      await eventually(
        () => got.includes(TEXT),
        () => `the target's text (got ${JSON.stringify(got)})`,
        20_000,
      );

      // The other way: text offered to the target is what an X client there pastes. The xterm
      // asks for CLIPBOARD (OSC 52 query) and its program writes the answer to a file.
      const PASTED = 'from-the-browser 7';
      let delivered = 0;
      const offering = new ClipboardClient({
        fetchFromTarget: false,
        maxTextBytes: 1024 * 1024,
        events: {
          send: (m) => void session.sendChannel('cliprdr', m),
          fromTarget: () => undefined,
          delivered: () => delivered++,
          refused: () => undefined,
        },
      });
      reader = (m) => offering.receive(m);
      // this second client takes over the channel: it has seen chansrv's capabilities (long
      // names) and Monitor Ready as the first one did
      offering.receive(
        Uint8Array.of(7, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 1, 0, 12, 0, 2, 0, 0, 0, 2, 0, 0, 0),
      );
      offering.offer(PASTED);
      offering.receive(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0)); // Monitor Ready: caps, then the offer's format list
      const out = `${server.user.home}/.custody-pasted`;
      const script = `${server.user.home}/.custody-paste.sh`;
      writeFileSync(
        script,
        [
          'stty -echo -icanon',
          "printf '\\033]52;c;?\\007'",
          "IFS= read -r -s -t 8 -d $'\\a' reply",
          `printf '%s' "$reply" > ${out}`,
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      server.onDisplay('sh', [
        '-c',
        `xterm -xrm 'XTerm*allowWindowOps: true' -xrm 'XTerm*disallowedWindowOps: ' -e bash ${script} >/dev/null 2>&1 &`,
      ]);
      const wanted = Buffer.from(PASTED).toString('base64');
      const read = () => {
        try {
          return readFileSync(out, 'utf8');
        } catch {
          return '';
        }
      };
      await eventually(
        () => read().includes(wanted),
        () =>
          `the pasted text on the target (file: ${JSON.stringify(read())}, handed over ${delivered} times)`,
        15_000,
      );
      expect(delivered).toBeGreaterThan(0);
    } finally {
      session.close();
    }
  }, 120_000);
});
