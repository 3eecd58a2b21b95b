// Lint is where the room boundaries of ARCHITECTURE.md are enforced, not memory.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const edgeLibraries = [
  'ssh2',
  'ssh2/*',
  'ink',
  'ink/*',
  'react',
  'react/*',
  'ws',
  'node-rdpjs',
  'blessed',
  'blessed-contrib',
  'http',
  'https',
  'node:http',
  'node:https',
  'node:net',
];

// protocols/ is wire code shared by gateway/, reset/ and (later) browser code: it imports no other
// room (core's public entry for types only) and no edge library; outside protocols/ssh/ (SSH
// never runs in a browser) it uses no Node module and no Node-only global either.
function protocolsFence({ node }) {
  const rooms = ['**/gateway/**', '**/reset/**', '**/cli/**', '**/tui/**', '**/integrations/**'];
  const nodeOnly = node
    ? []
    : [
        {
          group: ['node:*', 'crypto', 'fs', 'net', 'tls', 'os', 'path', 'stream', 'child_process', 'zlib'],
          message: 'protocols/ outside ssh/ runs in a browser too: no Node modules.',
        },
      ];
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: [...edgeLibraries.filter((p) => !p.includes('*')), 'knex'].map((name) => ({
          name,
          message: 'protocols/ parses and encodes bytes; sockets and libraries stay with its callers.',
        })),
        patterns: [
          { group: rooms, message: 'protocols/ imports no other room (ARCHITECTURE.md, protocols).' },
          {
            group: ['**/core/*/**', '!**/core/index.ts'],
            message: 'protocols/ may name core types through core/index.ts only.',
          },
          {
            group: ['**/core/index.ts'],
            allowTypeImports: true,
            message: 'protocols/ takes types only from core.',
          },
          { group: ['**/test/**'], message: 'product code never imports test helpers (rule 5).' },
          { group: ['ssh2/*', 'ink/*', 'react/*'], message: 'protocols/ knows no edge library.' },
          ...nodeOnly,
        ],
      },
    ],
    'no-restricted-globals': node
      ? 'off'
      : [
          'error',
          { name: 'Buffer', message: 'protocols/ outside ssh/ runs in a browser too: use Uint8Array.' },
          { name: 'process', message: 'protocols/ outside ssh/ runs in a browser too.' },
        ],
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'keys/**', 'recordings/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['core/**/*.ts'],
    ignores: ['core/storage/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: edgeLibraries
            .filter((p) => !p.includes('*'))
            .map((name) => ({
              name,
              message: 'core knows nothing of the network edge or the UI (ARCHITECTURE.md rule 1).',
            }))
            .concat([{ name: 'knex', message: 'knex lives only under core/storage (rule 4).' }]),
          patterns: [
            {
              group: ['**/gateway/**', '**/tui/**', '**/cli/**'],
              message: 'core imports nothing from gateway/, tui/ or cli/ (rule 1).',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers (rule 5).' },
            { group: ['ssh2/*', 'ink/*', 'react/*'], message: 'core knows nothing of the edge (rule 1).' },
          ],
        },
      ],
    },
  },
  {
    files: ['core/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: edgeLibraries
            .filter((p) => !p.includes('*'))
            .map((name) => ({ name, message: 'core knows nothing of the edge (rule 1).' })),
          patterns: [
            { group: ['**/gateway/**', '**/tui/**', '**/cli/**', '**/test/**'], message: 'rule 1 / rule 5' },
            {
              group: ['**/crypto/key-*', '**/crypto/keyring*'],
              message: 'key material lives only under core/crypto (rule 4).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['gateway/**/*.ts', 'gateway/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'knex', message: 'knex lives only under core/storage (rule 4).' }],
          patterns: [
            { group: ['**/tui/**'], message: 'gateway and tui never import each other (rule 2).' },
            {
              group: ['**/core/*/**', '!**/core/index.ts'],
              message: 'import core through its public entry core/index.ts (rule 2).',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers (rule 5).' },
          ],
        },
      ],
    },
  },
  {
    // Remote reset connectors (issue 6): network code outside core, like the gateway.
    files: ['reset/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'knex', message: 'knex lives only under core/storage (rule 4).' }],
          patterns: [
            {
              group: ['**/tui/**', '**/gateway/**'],
              message: 'reset connectors import no other room (rule 3).',
            },
            {
              group: ['**/core/*/**', '!**/core/index.ts'],
              message: 'import core through its public entry core/index.ts (rule 2).',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers (rule 5).' },
          ],
        },
      ],
    },
  },
  { files: ['protocols/**/*.ts'], ignores: ['protocols/ssh/**'], rules: protocolsFence({ node: false }) },
  { files: ['protocols/ssh/**/*.ts'], rules: protocolsFence({ node: true }) },
  {
    files: ['tui/**/*.ts', 'tui/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'knex', message: 'knex lives only under core/storage (rule 4).' },
            { name: 'ssh2', message: 'the TUI never opens sockets itself.' },
          ],
          patterns: [
            { group: ['**/gateway/**'], message: 'gateway and tui never import each other (rule 2).' },
            {
              group: ['**/core/*/**', '!**/core/index.ts'],
              message: 'import core through its public entry core/index.ts (rule 2).',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers (rule 5).' },
          ],
        },
      ],
    },
  },
  {
    // Outbound clients (ticketing, quality exit): core only through its public entry; no edge rooms.
    files: ['integrations/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'knex', message: 'knex lives only under core/storage (rule 4).' }],
          patterns: [
            {
              group: ['**/gateway/**', '**/tui/**', '**/cli/**'],
              message: 'integrations are wired in by cli/.',
            },
            {
              group: ['**/core/*/**', '!**/core/index.ts'],
              message: 'import core through its public entry core/index.ts (rule 2).',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers (rule 5).' },
          ],
        },
      ],
    },
  },
  {
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'knex', message: 'knex lives only under core/storage (rule 4).' }],
          patterns: [
            { group: ['**/test/**'], message: 'product code never imports test helpers (rule 5).' },
            {
              group: [
                '**/gateway/**',
                '!**/gateway/index.ts',
                '**/tui/**',
                '!**/tui/index.ts',
                '**/reset/**',
                '!**/reset/index.ts',
                '**/integrations/**',
                '!**/integrations/index.ts',
              ],
              message: "the composition root uses what a room's index.ts exports, never its inner files.",
            },
          ],
        },
      ],
    },
  },
);
