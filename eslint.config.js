// Lint is where the room boundaries (docs/architecture.md, Rooms) are enforced, not memory.
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

// Anything in core's folder but its public entry: files at the top of core/ count too.
const coreInternals = ['**/core/**', '!**/core/index.ts'];

// Core's context, store and key material stay inside core, so every call is authorised and
// audited: a Core keeps them in a private field, and no edge room may name them on any object
// either.
const internalsByName = [
  {
    selector: 'MemberExpression[property.name=/^(ctx|store|keyring|deps)$/]',
    message: "core's context, store and keyring stay inside core: call core.as(actor) or core.system.",
  },
  {
    selector: 'MemberExpression[computed=true][property.value=/^(ctx|store|keyring|deps)$/]',
    message: "core's context, store and keyring stay inside core: call core.as(actor) or core.system.",
  },
];

// The console, the CLI and the gateway act for an operator through `core.as(actor)`, and use
// `core.system` for what no operator is behind (sign-in, the session path a grant proves,
// start-up); never a service of the Core itself.
const coreServicesDirectly = ['core', 'Core'].flatMap((name) => [
  {
    selector: `MemberExpression[object.name='${name}'][property.name!=/^(as|system|close|settled)$/]`,
    message: 'act through core.as(actor) (or core.system), not a service of the Core.',
  },
  {
    selector: `MemberExpression[object.property.name='${name}'][property.name!=/^(as|system|close|settled)$/]`,
    message: 'act through core.as(actor) (or core.system), not a service of the Core.',
  },
]);

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
          {
            group: rooms,
            message:
              'protocols/ imports no other room, so the gateway and the reset connectors can both use it.',
          },
          {
            group: ['**/core/*/**', '!**/core/index.ts'],
            message: 'protocols/ may name core types through core/index.ts only.',
          },
          {
            group: ['**/core/index.ts'],
            allowTypeImports: true,
            message: 'protocols/ takes types only from core.',
          },
          { group: ['**/test/**'], message: 'product code never imports test helpers.' },
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
              message: 'core knows nothing of the network edge or the UI.',
            }))
            .concat([{ name: 'knex', message: 'knex lives only under core/storage: SQL has one home.' }]),
          patterns: [
            {
              group: ['**/gateway/**', '**/tui/**', '**/cli/**'],
              message: 'core imports nothing from gateway/, tui/ or cli/.',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers.' },
            {
              group: ['ssh2/*', 'ink/*', 'react/*'],
              message: 'core knows nothing of the network edge or the UI.',
            },
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
            .map((name) => ({ name, message: 'core knows nothing of the network edge or the UI.' })),
          patterns: [
            {
              group: ['**/gateway/**', '**/tui/**', '**/cli/**', '**/test/**'],
              message: 'storage imports nothing from gateway/, tui/, cli/ or test helpers.',
            },
            {
              group: ['**/crypto/key-*', '**/crypto/keyring*'],
              message: 'key material lives only under core/crypto.',
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
          paths: [{ name: 'knex', message: 'knex lives only under core/storage: SQL has one home.' }],
          patterns: [
            {
              group: ['**/tui/**', '**/wallboard/**'],
              message:
                'the gateway imports neither tui/ nor wallboard/ (both are handed to it through core).',
            },
            {
              group: coreInternals,
              message: 'import core through its public entry core/index.ts.',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers.' },
          ],
        },
      ],
    },
  },
  {
    // Each target connector implements one interface and never imports another, so a protocol can
    // be added or removed without touching the others: the session room picks one through its
    // connector registry. Shared helpers (failures, tcp, the interface) and a connector's own
    // protocol files are not connectors.
    files: ['gateway/connectors/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'knex', message: 'knex lives only under core/storage: SQL has one home.' }],
          patterns: [
            {
              group: ['**/tui/**'],
              message:
                'gateway and tui never import each other (the console is handed to the gateway through core).',
            },
            {
              group: ['**/core/*/**', '!**/core/index.ts'],
              message: 'import core through its public entry core/index.ts.',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers.' },
            {
              group: [
                './ssh.ts',
                './telnet.ts',
                './rdp.ts',
                './ssh/*',
                './telnet/*',
                './rdp/*',
                '../ssh/*',
                '../telnet/*',
                '../rdp/*',
              ],
              message: 'a connector never imports another connector.',
            },
            {
              group: ['**/session/**', '**/ssh-server/**'],
              message: 'connectors know nothing of the session that uses them.',
            },
          ],
        },
      ],
    },
  },
  {
    // Remote reset connectors: network code outside core, like the gateway.
    files: ['reset/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'knex', message: 'knex lives only under core/storage: SQL has one home.' }],
          patterns: [
            {
              group: ['**/tui/**', '**/gateway/**'],
              message:
                'reset connectors import neither tui/ nor gateway/ (shared protocol code is in protocols/).',
            },
            {
              group: coreInternals,
              message: 'import core through its public entry core/index.ts.',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers.' },
          ],
        },
      ],
    },
  },
  {
    files: ['protocols/**/*.ts'],
    ignores: ['protocols/ssh/**', 'protocols/rdp/nla/**'],
    rules: protocolsFence({ node: false }),
  },
  // NLA (CredSSP/NTLM) runs only in the gateway's RDP client, never in a browser: like SSH it may
  // use node:crypto (HMAC-MD5, MD5, SHA-256, random) and node-forge's DER codec.
  { files: ['protocols/ssh/**/*.ts', 'protocols/rdp/nla/**/*.ts'], rules: protocolsFence({ node: true }) },
  {
    files: ['tui/**/*.ts', 'tui/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'knex', message: 'knex lives only under core/storage: SQL has one home.' },
            { name: 'ssh2', message: 'the TUI never opens sockets itself.' },
          ],
          patterns: [
            {
              group: ['**/gateway/**', '**/wallboard/**'],
              message:
                'tui imports neither the gateway nor the wallboard (the console is handed to the gateway through core).',
            },
            {
              group: coreInternals,
              message: 'import core through its public entry core/index.ts.',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers.' },
          ],
        },
      ],
    },
  },
  {
    // The operations wallboard: its own room, like the console. It reads core through its public
    // entry (and, by the rule below, only through `core.as(actor)`), opens no socket and knows
    // neither the gateway that hosts it nor the console beside it.
    files: ['wallboard/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'knex', message: 'knex lives only under core/storage: SQL has one home.' },
            { name: 'ssh2', message: 'the wallboard never opens sockets itself.' },
            { name: 'ink', message: 'Ink and blessed must not share one screen: the console is in tui/.' },
            { name: 'react', message: 'the wallboard draws with blessed, not React.' },
          ],
          patterns: [
            {
              group: ['**/gateway/**', '**/tui/**', '**/cli/**'],
              message: 'the wallboard is handed to the gateway through core (StartWallboard).',
            },
            {
              group: coreInternals,
              message: 'import core through its public entry core/index.ts.',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers.' },
          ],
        },
      ],
    },
  },
  {
    // The cluster room (PostgreSQL + Redis registry, leases, node certificates): core only through
    // its public entry, no edge room; cli/ wires it in when the configuration names both engines.
    files: ['cluster/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'knex', message: 'knex lives only under core/storage.' }],
          patterns: [
            {
              group: ['**/gateway/**', '**/tui/**', '**/cli/**', '**/reset/**', '**/integrations/**'],
              message: 'the cluster room is wired in by cli/ and imports no other room.',
            },
            {
              group: coreInternals,
              message: 'import core through its public entry core/index.ts.',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers.' },
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
          paths: [{ name: 'knex', message: 'knex lives only under core/storage: SQL has one home.' }],
          patterns: [
            {
              group: ['**/gateway/**', '**/tui/**', '**/cli/**'],
              message: 'integrations are wired in by cli/.',
            },
            {
              group: coreInternals,
              message: 'import core through its public entry core/index.ts.',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers.' },
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
          paths: [{ name: 'knex', message: 'knex lives only under core/storage: SQL has one home.' }],
          patterns: [
            {
              group: coreInternals,
              message: 'import core through its public entry core/index.ts.',
            },
            { group: ['**/test/**'], message: 'product code never imports test helpers.' },
            {
              group: [
                '**/gateway/**',
                '!**/gateway/index.ts',
                '**/tui/**',
                '!**/tui/index.ts',
                '**/wallboard/**',
                '!**/wallboard/index.ts',
                '**/reset/**',
                '!**/reset/index.ts',
                '**/integrations/**',
                '!**/integrations/index.ts',
                '**/cluster/**',
                '!**/cluster/index.ts',
              ],
              message: "the composition root uses what a room's index.ts exports, never its inner files.",
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'gateway/**/*.ts',
      'gateway/**/*.tsx',
      'tui/**/*.ts',
      'tui/**/*.tsx',
      'wallboard/**/*.ts',
      'cli/**/*.ts',
    ],
    rules: { 'no-restricted-syntax': ['error', ...internalsByName, ...coreServicesDirectly] },
  },
);
