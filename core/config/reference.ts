import { z } from 'zod';
import { configSchema } from './schema.ts';

/**
 * The configuration reference (docs/configuration.md) rendered from the schema itself, so that
 * the page cannot drift from what `load.ts` accepts: every section and key with its type, its
 * default written as it would be in conf/custody.toml, and its `.describe()` text. A key without
 * a description is an error here, so a new key cannot reach the page undocumented.
 */
interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
}

export class UndescribedConfigKeyError extends Error {
  constructor(readonly keyPath: string) {
    super(`configuration key ${keyPath} has no description (add .describe() in core/config/schema.ts)`);
  }
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

/** A value as it is written in TOML: basic strings are JSON's, arrays of scalars likewise. */
function tomlValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  return JSON.stringify(v);
}

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${min}–${max}`;
  if (min !== undefined) return `≥ ${min}`;
  if (max !== undefined) return `≤ ${max}`;
  return '';
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => code(JSON.stringify(v))).join(' or ');
  switch (s.type) {
    case 'integer':
    case 'number': {
      const r = range(s.minimum, s.maximum);
      return r ? `${s.type}, ${r}` : s.type;
    }
    case 'string': {
      const notes: string[] = [];
      if (s.minLength === 1) notes.push('non-empty');
      if (s.maxLength !== undefined) notes.push(`at most ${s.maxLength} characters`);
      if (s.pattern !== undefined) notes.push(`matching ${code(s.pattern)}`);
      return ['string', ...notes].join(', ');
    }
    case 'array': {
      const item = s.items ? typeOf(s.items) : 'any';
      return `list${s.maxItems !== undefined ? ` (at most ${s.maxItems})` : ''} of ${item}`;
    }
    default:
      return s.type ?? 'any';
  }
}

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  // "input": what a person writes in the file, so a key with a default is optional and shows it.
  // Refinements (cross-key rules) are not representable and are stated in the descriptions.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** The Markdown of docs/configuration.md (before the repository's formatter lays out the tables). */
export function renderConfigReference(schema: z.ZodType = configSchema): string {
  const root = jsonSchemaOf(schema);
  const out: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from core/config/schema.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    `${root.description ?? ''}`,
    '',
    'A broken file stops every command and the server with the key path and the reason, for example',
    '`conf/custody.toml: storage.sqlite_fil: unknown key`. `npx custody config check [FILE]` checks a',
    'file (by default the home folder’s `conf/custody.toml`) without starting anything: it prints the',
    'first problem with its key path and exits with 1 (`E_CONFIG`), or prints `FILE: ok` and exits with 0.',
    '',
  ];
  for (const [section, s] of Object.entries(root.properties ?? {})) {
    if (!s.description) throw new UndescribedConfigKeyError(section);
    out.push(
      `## [${section}]`,
      '',
      s.description,
      '',
      '| key | type | default | description |',
      '| --- | --- | --- | --- |',
    );
    for (const [key, k] of Object.entries(s.properties ?? {})) {
      if (!k.description) throw new UndescribedConfigKeyError(`${section}.${key}`);
      const dflt = k.default === undefined ? '(none)' : code(tomlValue(k.default));
      out.push(`| ${code(key)} | ${cell(typeOf(k))} | ${cell(dflt)} | ${cell(k.description)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
