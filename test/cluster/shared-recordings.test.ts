// Recordings across cluster nodes. With one recordings directory shared by every node (the same
// filesystem mounted on each, here one local folder), a session recorded on node A is listed,
// exported (played by the real `asciinema cat`), verified and served to the web player by node
// B; a purge run on both nodes at once removes the shared file once, and neither fails.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import pg from 'pg';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshInteractive } from '../support/openssh-client.ts';
import { startClusterProcesses, type ClusterProcesses } from '../support/cluster-processes.ts';
import {
  createTestUser,
  sshdSkipReason,
  startSshd,
  type SshdInstance,
  type TestUser,
} from '../support/sshd.ts';
import { ADMIN_PASSWORD } from '../support/vault.ts';
import { cookiesOf, webRequest } from '../support/web.ts';
import { writeFile } from 'node:fs/promises';
import { CLUSTER_SKIP_REASON, clusterServices, clusterServicesAvailable } from '../support/cluster.ts';

const skip = !clusterServicesAvailable() ? CLUSTER_SKIP_REASON : sshdSkipReason();

describe.skipIf(!!skip)(`recordings in a shared directory${skip ? ` (${skip})` : ''}`, () => {
  const services = clusterServices();
  let sshd: SshdInstance;
  let target: TestUser;
  let cluster: ClusterProcesses;
  let shared: string;
  let scratch: string;
  let pool: pg.Pool;

  beforeAll(async () => {
    target = createTestUser('c3rec', { password: 'Rq8#Vn3$Ht6!Jw2&Pc9k' });
    sshd = await startSshd({ allowUsers: [target.name] });
    shared = await mkdtemp(path.join(os.tmpdir(), 'custody-shared-recordings-'));
    scratch = await mkdtemp(path.join(os.tmpdir(), 'custody-shared-out-'));
    const databaseUrl = await services().freshDatabase();
    pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    cluster = await startClusterProcesses({
      databaseUrl,
      redisUrl: services().redis.url,
      names: ['node-a', 'node-b'],
      web: true,
      sharedRecordingsDir: shared,
      prepare: async (cli, home) => {
        await writeFile(path.join(home, 'target.pw'), target.password!);
        for (const args of [
          ['resource', 'add', 'web01', '--type', 'linux', '--host', '127.0.0.1', '--port', String(sshd.port)],
          ['account', 'add', 'web01', target.name, '--password-file', path.join(home, 'target.pw')],
        ]) {
          const r = await cli(...args);
          if (r.code !== 0) throw new Error(r.stderr);
        }
      },
    });
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await pool?.end();
    await sshd?.stop();
    target?.remove();
    if (shared) await rm(shared, { recursive: true, force: true });
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('a session recorded on A is listed, exported and served to the web player by B', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const operator = sshInteractive(a.sshPort, `admin:${target.name}@web01`, { password: ADMIN_PASSWORD });
    try {
      operator.child.stdin!.write('echo SHARED-$((60+6))\n');
      await operator.out.waitFor(/SHARED-66/, 20_000);
      operator.child.stdin!.write('exit\n');
      await operator.exited;
    } finally {
      operator.child.kill();
    }
    // The session's end closes its recording (the row becomes complete) on A.
    let listed: { id: string; status: string }[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await b.cli('recordings', 'list', '--json');
      expect(r.code, r.stderr).toBe(0);
      listed = JSON.parse(r.stdout) as { id: string; status: string }[];
      if (listed[0]?.status === 'complete') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(listed.map((r) => r.status)).toEqual(['complete']);
    const id = listed[0]!.id;

    const cast = path.join(scratch, 'a.cast');
    const exported = await b.cli('recordings', 'export', id, '--format', 'asciicast', '--output', cast);
    expect(exported.code, exported.stderr).toBe(0);
    // The real player (it insists on a terminal: `script` gives it one).
    const out = path.join(scratch, 'played.txt');
    execFileSync('script', ['-qec', `asciinema cat '${cast}' > '${out}'`, '/dev/null'], { stdio: 'pipe' });
    expect(await readFile(out, 'utf8')).toContain('SHARED-66');

    // B checks A's signature: the nodes share the signing key made by `cluster init` (keys/).
    const verified = await b.cli('recordings', 'verify', id);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const [keyA, keyB] = await Promise.all([a.cli('recordings', 'pubkey'), b.cli('recordings', 'pubkey')]);
    expect(keyB.stdout).toBe(keyA.stdout);

    // B's web player page and the cast it loads.
    const certPem = await readFile(path.join(b.home, 'keys', 'web-tls-cert.pem'), 'utf8');
    const signin = await webRequest(b.webPort!, certPem, '/signin', {
      method: 'POST',
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(signin.status).toBe(200);
    const cookie = cookiesOf(signin);
    const page = await webRequest(b.webPort!, certPem, `/recordings/${id}`, { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`data-cast="/recordings/${id}/cast"`);
    const served = await webRequest(b.webPort!, certPem, `/recordings/${id}/cast`, { cookie });
    expect(served.status, served.body).toBe(200);
    expect(served.body).toContain('SHARED-66');
    expect(served.body.split('\n')[0]).toMatch(/^\{"version":2/);
  }, 90_000);

  it('a purge run on A and B at once removes the shared recording once; neither fails', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const { rows } = await pool.query<{ id: string; path: string }>(`SELECT id, path FROM recordings`);
    expect(rows).toHaveLength(1);
    const file = path.join(shared, rows[0]!.path);
    const beside = async () =>
      (await readdir(path.dirname(file))).filter((n) => n.startsWith(path.basename(file)));
    expect(await beside()).not.toEqual([]);
    // Made old enough for the purge (the first test's session is minutes old).
    await pool.query(`UPDATE recordings SET started_at = $1`, [
      new Date(Date.now() - 3 * 86_400_000).toISOString(),
    ]);
    const results = await Promise.all(
      [a, b].map((n) => n.cli('recordings', 'purge', '--older-than', '1', '--json')),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const purged = results.flatMap((r) => (JSON.parse(r.stdout) as { purged: string[] }).purged);
    expect(purged).toEqual([rows[0]!.id]);
    expect(await beside()).toEqual([]);
    const audit = await a.cli('audit', 'list', '--type', 'recording.purge', '--json');
    expect((JSON.parse(audit.stdout) as unknown[]).length).toBe(1);
  }, 60_000);
});
