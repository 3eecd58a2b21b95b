// docs/configuration.md as it should be: the schema's reference (core/config/reference.ts) laid
// out by the repository's own formatter, so the file `npm run docs:config` writes is also what
// `npm run format:check` accepts, and the up-to-date test compares like with like.
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { renderConfigReference } from '../core/config/reference.ts';

export const CONFIG_REFERENCE_FILE = path.join(import.meta.dirname, '..', 'docs', 'configuration.md');

export async function configReference(): Promise<string> {
  const options = (await resolveConfig(CONFIG_REFERENCE_FILE)) ?? {};
  return format(renderConfigReference(), { ...options, filepath: CONFIG_REFERENCE_FILE });
}
