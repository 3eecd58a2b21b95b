// `npm run docs:config`: writes docs/configuration.md from the configuration schema.
import { writeFile } from 'node:fs/promises';
import { CONFIG_REFERENCE_FILE, configReference } from './config-reference.ts';

await writeFile(CONFIG_REFERENCE_FILE, await configReference());
process.stdout.write(`wrote ${CONFIG_REFERENCE_FILE}\n`);
