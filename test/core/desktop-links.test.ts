// Links to the RDP viewer (`/rdp/RESOURCE/ACCOUNT`) are made under the rules an RDP session is
// authorised under: only for an account its user may connect to (an unknown and a forbidden one
// get the same answer, and no link is written), only for a desktop account, and, under access
// control, only during the user's check-out, refused before it with the very refusal an SSH
// session gets. `sessions.launchKind` tells the console and the SSH door which accounts open in
// the browser.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NotFoundError, ValidationError, type Actor } from '../../core/index.ts';
import { createTestVault, pw, type TestVault } from '../support/vault.ts';

let v: TestVault;
let alice: Actor;
let bob: Actor;

beforeAll(async () => {
  v = await createTestVault();
  alice = await v.addUser('alice', 'password-user');
  bob = await v.addUser('bob', 'password-user');
  for (const [name, type] of [
    ['win01', 'windows-rdp'],
    ['win02', 'windows-rdp'],
    ['web01', 'linux'],
  ] as const) {
    await v.core.resources.create(v.host, { name, type, dnsName: `${name}.example` });
    await v.core.accounts.add(
      v.host,
      name,
      name === 'web01' ? 'root' : 'Administrator',
      pw('Zq9#Lm2$Vx7!Rt4&Kp8w-' + name),
    );
    await v.core.sharing.grant(v.host, { kind: 'resource', name }, { kind: 'user', name: 'alice' }, 'view');
  }
  await v.core.access.configure(v.host, 'win02', { approvers: ['admin'], autoApprove: 'always' });
}, 60_000);
afterAll(async () => v?.close());

const linksMade = async () =>
  (await v.core.audit.query(v.host, { type: 'web.link-create', limit: 1000 })).length;
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: { code: string; message: string; constructor: unknown }) => e,
  );

it('makes a link to the viewer of a desktop account its user may connect to', async () => {
  const link = await v.core.webLinks.create(alice, '/rdp/win01/Administrator');
  const used = await v.core.system.redeemWebLink(link.token, '10.0.0.7');
  expect([used.user.username, used.landingPath]).toEqual(['alice', '/rdp/win01/Administrator']);
});

it('gives an unknown and a forbidden account the same not-found answer and writes no link', async () => {
  const before = await linksMade();
  const forbidden = await failure(v.core.webLinks.create(bob, '/rdp/win01/Administrator'));
  const unknown = await failure(v.core.webLinks.create(bob, '/rdp/win01/Nobody'));
  expect(forbidden).toBeInstanceOf(NotFoundError);
  expect(unknown).toBeInstanceOf(NotFoundError);
  expect(forbidden.message.replace('win01/Administrator', 'X')).toBe(
    unknown.message.replace('win01/Nobody', 'X'),
  );
  expect(await linksMade()).toBe(before);
});

it('refuses a path under /rdp/ that does not name one desktop account', async () => {
  const before = await linksMade();
  for (const p of ['/rdp/win01', '/rdp/win01/Administrator/socket', '/rdp/web01/root', '/rdp/%E0%A4%A/x'])
    expect(await failure(v.core.webLinks.create(alice, p))).toBeInstanceOf(ValidationError);
  expect((await failure(v.core.webLinks.create(alice, '/rdp/web01/root'))).message).toBe(
    "'web01/root' is not a desktop (RDP) account: it has no viewer to land on",
  );
  expect(await linksMade()).toBe(before);
});

it('under access control: refused before check-out exactly as an SSH session is, made during it', async () => {
  const ref = 'win02/Administrator';
  const asLink = await failure(v.core.webLinks.create(alice, `/rdp/${ref}`));
  const asSession = await failure(v.core.sessions.authorize(alice, ref));
  expect({ code: asLink.code, message: asLink.message }).toEqual({
    code: asSession.code,
    message: asSession.message,
  });
  expect(asLink.code).toBe('E_FORBIDDEN');
  expect(await failure(v.core.sessions.launchKind(alice, ref))).toMatchObject({ message: asSession.message });
  await v.core.access.request(alice, ref, 'patch night');
  await v.core.access.checkout(alice, ref);
  const link = await v.core.webLinks.create(alice, `/rdp/${ref}`);
  expect(link.landingPath).toBe('/rdp/win02/Administrator');
  expect(await v.core.sessions.launchKind(alice, ref)).toBe('desktop');
});

it('says which accounts open in the browser and which in place, to those who may connect', async () => {
  expect(await v.core.sessions.launchKind(alice, 'win01/Administrator')).toBe('desktop');
  expect(await v.core.sessions.launchKind(alice, 'web01/root')).toBe('terminal');
  expect(await failure(v.core.sessions.launchKind(bob, 'win01/Administrator'))).toBeInstanceOf(NotFoundError);
});
