// The README's picture of the console is a text capture of the real console: this renders the
// console with the same accounts, as the same administrator, at the same size, and fails when
// the picture no longer matches what an operator sees (then paste the new frame into the README).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Actor } from '../../core/index.ts';
import { openConsole } from '../support/console-harness.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';

const README = path.join(import.meta.dirname, '..', '..', 'README.md');

/** The first fenced block after the README's "picture of the console" sentence. */
function readmePicture(): string[] {
  const text = readFileSync(README, 'utf8');
  const from = text.indexOf('The operator console, over');
  expect(from).toBeGreaterThan(0);
  const m = /```\n([\s\S]*?)\n```/.exec(text.slice(from));
  expect(m).not.toBeNull();
  return m![1]!.split('\n');
}

let v: TestVault;
let alice: Actor;

beforeAll(async () => {
  v = await createTestVault();
  for (const [name, dnsName, description] of [
    ['web01', 'web01.prod.example', 'payments front end'],
    ['web02', 'web02.prod.example', 'payments front end'],
    ['db01', 'db01.prod.example', 'ledger database'],
    ['sw-core', 'sw-core.net.example', 'core switch'],
  ] as const)
    await v.core.resources.create(v.host, { name, type: 'linux', dnsName, description });
  for (const [r, a] of [
    ['web01', 'root'],
    ['web01', 'deploy'],
    ['web02', 'root'],
    ['db01', 'postgres'],
    ['db01', 'dba'],
    ['sw-core', 'netops'],
  ] as const)
    await v.core.accounts.add(v.host, r, a, pw('Xr4#mQ9!vL2$pT7w'));
  alice = await v.addUser('alice', 'admin', { superAdmin: true });
});
afterAll(async () => v.close());

it("the README's console picture is what the console shows", async () => {
  const picture = readmePicture();
  const c = await openConsole(v.core, alice, { cols: 80, rows: picture.length });
  try {
    await c.showAll();
    await c.waitFor('web02/root');
    const frame = c
      .frame()
      .split('\n')
      .map((l) => l.trimEnd());
    expect(frame).toEqual(picture);
  } finally {
    await c.close();
  }
}, 60_000);
