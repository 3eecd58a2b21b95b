// RDP benchmark (not a test): `npm run bench:rdp`.
//
// Each section is its own file returning its figures: to add one, import it and put it in
// SECTIONS. Options: --only NAME (run one section).
import { parseArgs } from 'node:util';
import { decoderSection } from './decoder.ts';
import { gatewayCpuSection } from './gateway-cpu.ts';
import { nlaSection } from './nla.ts';
import { recordingSection } from './recording.ts';
import type { RdpBenchSection } from './section.ts';
import { sessionsSection } from './sessions.ts';

const SECTIONS: RdpBenchSection[] = [
  decoderSection,
  recordingSection,
  gatewayCpuSection,
  nlaSection,
  sessionsSection,
];

const { values: argv } = parseArgs({ options: { only: { type: 'string' } } });
const log = (line: string) => process.stderr.write(`[bench:rdp] ${line}\n`);

const results: Record<string, unknown> = {
  node: process.version,
  cpus: (await import('node:os')).cpus()[0]?.model,
};
for (const section of SECTIONS) {
  if (argv.only && argv.only !== section.name) continue;
  log(`section ${section.name}`);
  Object.assign(results, await section.run(log));
}
console.log(JSON.stringify(results, null, 2));
