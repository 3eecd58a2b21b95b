// RDP launch on a real bastion (`custody server` with its web listener): `resource add --type
// windows-rdp` takes port 3389 unless told otherwise; `custody web link /rdp/RESOURCE/ACCOUNT`
// prints a one-time link only for a desktop account the acting user may connect to (an unknown
// and a forbidden one get the same answer); and `ssh 'USER:ACCOUNT@RESOURCE'@bastion` to an RDP
// account, with the real OpenSSH client, prints that link and exits 0 instead of failing. Each
// link signs in once and lands on the viewer page (200); the second use is refused.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ssh } from '../support/openssh-client.ts';
import { ADMIN_PASSWORD, USER_PASSWORD } from '../support/vault.ts';
import { cookiesOf, startWebBastion, type WebBastion } from '../support/web.ts';

const LINK = /https:\/\/localhost:\d+\/link\/[A-Za-z0-9_-]{43}/;
const TARGET_PASSWORD = 'Zq9#Lm2$Vx7!Rt4&Kp8w-rdp';

let b: WebBastion;
const added: string[] = [];

beforeAll(async () => {
  b = await startWebBastion({
    prepare: async ({ home, cli }) => {
      const file = (name: string, text: string) =>
        writeFile(path.join(home, name), text).then(() => path.join(home, name));
      const ok = async (args: string[]) => {
        const r = await cli(args);
        if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
        return r.stdout.trim();
      };
      added.push(await ok(['resource', 'add', 'win01', '--type', 'windows-rdp', '--host', '127.0.0.1']));
      added.push(
        await ok([
          'resource',
          'add',
          'win02',
          '--type',
          'windows-rdp',
          '--host',
          '127.0.0.1',
          '--port',
          '3390',
        ]),
      );
      await ok(['resource', 'add', 'web01', '--type', 'linux', '--host', '127.0.0.1']);
      const pw = await file('target.pw', TARGET_PASSWORD);
      await ok(['account', 'add', 'win01', 'Administrator', '--password-file', pw]);
      await ok(['account', 'add', 'web01', 'root', '--password-file', pw]);
      await ok([
        'user',
        'add',
        'alice',
        '--role',
        'password-user',
        '--password-file',
        await file('user.pw', USER_PASSWORD),
      ]);
    },
  });
}, 90_000);
afterAll(async () => b?.stop());

/** Opens a printed link as a browser would: it lands on the viewer, once. */
async function opensViewerOnce(url: string, landing: string): Promise<void> {
  const token = new URL(url).pathname;
  const first = await b.request(token);
  expect([first.status, first.headers.location]).toEqual([303, landing]);
  const page = await b.request(landing, { cookie: cookiesOf(first) });
  expect(page.status).toBe(200);
  expect(page.body).toContain(`data-socket="${landing}/socket"`);
  expect(page.body).not.toContain(TARGET_PASSWORD);
  expect((await b.request(token)).status).toBe(401);
}

it('resource add takes the windows-rdp type, with port 3389 unless one is given', async () => {
  expect(added).toEqual([
    'created resource win01 (windows-rdp 127.0.0.1:3389)',
    'created resource win02 (windows-rdp 127.0.0.1:3390)',
  ]);
  const shown = await b.cli(['--json', 'resource', 'show', 'win01']);
  expect(JSON.parse(shown.stdout)).toMatchObject({ typeName: 'windows-rdp', port: 3389 });
});

it('web link /rdp/RESOURCE/ACCOUNT prints a link that opens the viewer once', async () => {
  const r = await b.cli(['web', 'link', '/rdp/win01/Administrator']);
  expect(r.code).toBe(0);
  expect(r.stdout.trim()).toMatch(new RegExp(`^${LINK.source}$`));
  await opensViewerOnce(r.stdout.trim(), '/rdp/win01/Administrator');
});

it('web link refuses an unknown and a forbidden desktop alike, and a terminal account, printing no URL', async () => {
  const asAlice = ['--as', 'alice', '--password-file', path.join(b.home, 'user.pw'), 'web', 'link'];
  const forbidden = await b.cli([...asAlice, '/rdp/win01/Administrator']);
  const unknown = await b.cli([...asAlice, '/rdp/win01/Nobody']);
  for (const r of [forbidden, unknown]) {
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/E_NOT_FOUND/);
  }
  expect(forbidden.stderr.replace('win01/Administrator', 'X')).toBe(
    unknown.stderr.replace('win01/Nobody', 'X'),
  );
  const terminal = await b.cli(['web', 'link', '/rdp/web01/root']);
  expect(terminal.stdout).toBe('');
  expect(terminal.stderr).toMatch(/E_VALIDATION: 'web01\/root' is not a desktop \(RDP\) account/);
});

it("ssh 'USER:ACCOUNT@RESOURCE'@bastion to an RDP account prints the link and exits 0", async () => {
  const r = await ssh(b.sshPort, 'admin:Administrator@win01', { password: ADMIN_PASSWORD }, []);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Open the desktop of win01/Administrator in a browser within 60 s');
  const url = LINK.exec(r.stdout)?.[0];
  expect(url).toBeDefined();
  expect(r.stdout + r.stderr).not.toContain(TARGET_PASSWORD);
  await opensViewerOnce(url!, '/rdp/win01/Administrator');
});

it('ssh to an RDP account the user may not connect to is refused as an unknown one, with no link', async () => {
  const forbidden = await ssh(b.sshPort, 'alice:Administrator@win01', { password: USER_PASSWORD }, []);
  const unknown = await ssh(b.sshPort, 'alice:Nobody@win01', { password: USER_PASSWORD }, []);
  for (const r of [forbidden, unknown]) {
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(LINK);
    expect(r.stderr).toMatch(/not found/);
  }
  expect(forbidden.stderr.replace('win01/Administrator', 'X')).toBe(
    unknown.stderr.replace('win01/Nobody', 'X'),
  );
});
