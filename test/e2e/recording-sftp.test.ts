// File transfers are recorded: the real OpenSSH sftp client puts a file, gets it back and renames
// it through the gateway; the recording (listed as protocol sftp) names each operation with its
// file names, offsets and sizes, exported by the real CLI as text and as JSON lines, and verifies.
// File contents are kept only for a resource whose setting asks for them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { custody } from '../support/cli.ts';
import { sshTargetFixture, type SshTargetFixture } from '../support/gateway-fixture.ts';
import { runClient, sshOptions } from '../support/openssh-client.ts';
import { sshdSkipReason } from '../support/sshd.ts';
import { USER_PASSWORD } from '../support/vault.ts';

const skip = sshdSkipReason();
const SIZE = 300_000;

describe.skipIf(!!skip)(`sftp recordings${skip ? ` (${skip})` : ''}`, () => {
  let fx: SshTargetFixture;
  let work: string;
  beforeAll(async () => {
    fx = await sshTargetFixture('rsroot');
    work = mkdtempSync(path.join(os.tmpdir(), 'custody-sftp-rec-'));
  }, 60_000);
  afterAll(async () => fx?.close());

  it('a put, a get and a rename appear with names and sizes; text and JSON export; verify intact', async () => {
    const id = { password: USER_PASSWORD };
    const local = path.join(work, 'report.bin');
    writeFileSync(local, randomBytes(SIZE));
    const back = path.join(work, 'back.bin');
    const r = await runClient(
      'sftp',
      [
        ...sshOptions(fx.gw.port, id).map((o) => o.replace(/^-p(\d+)$/, '-P$1')),
        '-o',
        `User=${fx.direct('alice')}`,
        '127.0.0.1',
      ],
      id,
      { input: `put ${local} up.bin\nget up.bin ${back}\nrename up.bin moved.bin\nbye\n`, timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(back).equals(readFileSync(local))).toBe(true);

    const list = await custody(['--home', fx.v.home, 'recordings', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as {
      id: string;
      protocol: string;
      status: string;
      events: number;
    }[];
    const row = rows.find((x) => x.protocol === 'sftp');
    expect(row).toMatchObject({ status: 'complete' });
    expect(row!.events).toBeGreaterThan(5);

    const text = await custody(['--home', fx.v.home, 'recordings', 'export', row!.id, '--format', 'text']);
    expect(text.code, text.stderr).toBe(0);
    const home = fx.target.home;
    const up = `${home}/up.bin`;
    expect(text.stdout).toMatch(new RegExp(`open +${up} flags=write,create,truncate`));
    expect(text.stdout).toMatch(new RegExp(`write +${up} offset=0 size=\\d+`));
    expect(text.stdout).toMatch(new RegExp(`open +${up} flags=read`));
    expect(text.stdout).toMatch(new RegExp(`read +${up} offset=0 size=\\d+`));
    expect(text.stdout).toMatch(new RegExp(`rename +${up} -> ${home}/moved.bin`));

    const json = await custody(['--home', fx.v.home, 'recordings', 'export', row!.id, '--format', 'json']);
    const ops = json.stdout
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { op: string; path?: string; to?: string; size?: number; offset?: number },
      );
    const sum = (op: string) =>
      ops.filter((o) => o.op === op && o.path === up).reduce((n, o) => n + (o.size ?? 0), 0);
    // Every byte put and got is accounted for, by offset and size.
    expect(sum('write')).toBe(SIZE);
    expect(sum('read')).toBe(SIZE);
    expect(ops).toContainEqual(
      expect.objectContaining({ op: 'rename', path: up, to: `${home}/moved.bin`, result: 'ok' }),
    );
    // The file's contents are not in the recording unless the resource asks for them.
    expect(ops.some((o) => 'data' in o)).toBe(false);

    // The players show a file transfer as its operations, a line each (console replay, asciicast export).
    const reader = await fx.v.core.recordings.openReader(fx.v.host, row!.id);
    const { events } = await reader.seek(0);
    let shown = '';
    for (let e = await events.next(); !e.done; e = await events.next()) shown += e.value.data;
    await reader.close();
    expect(shown).toMatch(new RegExp(`rename +${up} -> ${home}/moved.bin`));

    const v = await custody(['--home', fx.v.home, 'recordings', 'verify', row!.id]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/intact/);
  }, 120_000);

  it('scp (which speaks SFTP) is recorded the same way: the upload appears with its name and size', async () => {
    const id = { password: USER_PASSWORD };
    const local = path.join(work, 'via-scp.bin');
    writeFileSync(local, randomBytes(70_000));
    const r = await runClient(
      'scp',
      [
        ...sshOptions(fx.gw.port, id).map((o) => o.replace(/^-p(\d+)$/, '-P$1')),
        '-o',
        `User=${fx.direct('alice')}`,
        local,
        '127.0.0.1:via-scp.bin',
      ],
      id,
      { timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const [row] = await fx.v.core.recordings.list(fx.v.host, { limit: 1 });
    expect(row).toMatchObject({ protocol: 'sftp', status: 'complete' });
    const text = await custody(['--home', fx.v.home, 'recordings', 'export', row!.id, '--format', 'text']);
    // scp names the file as the operator typed it (relative to the target's home).
    expect(text.stdout).toMatch(/open +via-scp\.bin flags=write,create/);
    expect(text.stdout).toMatch(/write +via-scp\.bin offset=0 size=70000/);
    expect(text.stdout).toMatch(/close +via-scp\.bin/);
  }, 120_000);

  it('keeps the file contents too once the resource asks for them (resource update --record-file-contents on)', async () => {
    const on = await custody([
      '--home',
      fx.v.home,
      'resource',
      'update',
      'web01',
      '--record-file-contents',
      'on',
    ]);
    expect(on.code, on.stderr).toBe(0);
    const id = { password: USER_PASSWORD };
    const local = path.join(work, 'note.txt');
    writeFileSync(local, 'CONTENTS-RECORDED-1\n');
    const r = await runClient(
      'sftp',
      [
        ...sshOptions(fx.gw.port, id).map((o) => o.replace(/^-p(\d+)$/, '-P$1')),
        '-o',
        `User=${fx.direct('alice')}`,
        '127.0.0.1',
      ],
      id,
      { input: `put ${local} note.txt\nbye\n`, timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const [row] = await fx.v.core.recordings.list(fx.v.host, { limit: 1 });
    expect(row).toMatchObject({ protocol: 'sftp' });
    const json = await custody(['--home', fx.v.home, 'recordings', 'export', row!.id, '--format', 'json']);
    const writes = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { op: string; data?: string })
      .filter((o) => o.op === 'write');
    expect(writes.map((w) => Buffer.from(w.data ?? '', 'base64').toString('utf8')).join('')).toBe(
      'CONTENTS-RECORDED-1\n',
    );
    // Still encrypted on disk.
    expect(readFileSync(fx.v.core.recordings.pathOf(row!)).includes(Buffer.from('CONTENTS-RECORDED'))).toBe(
      false,
    );
  }, 120_000);
});
