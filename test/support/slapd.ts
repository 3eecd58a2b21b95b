// A REAL, private, throw-away OpenLDAP server (slapd) for tests.
//
// Everything lives in one temp directory: a generated slapd.conf (mdb backend, suffix
// dc=custody,dc=test, the core/cosine/inetorgperson schemas), the database, a self-signed
// certificate for 127.0.0.1 made with `openssl`, and the pid file. Initial entries are loaded
// with `slapadd`; `slapd -d 0` (foreground) serves ldap:// and ldaps:// on free 127.0.0.1 ports.
// The process is tracked by the test run's ledger (netns.ts); stop() kills it and removes the dir.
import { execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnTracked, stopTracked } from './netns.ts';
import { freePort } from './sshd.ts';

export const SLAPD_SKIP_REASON = 'skipped: slapd (OpenLDAP) not installed';

export const SUFFIX = 'dc=custody,dc=test';
export const ROOT_DN = `cn=root,${SUFFIX}`;
export const ROOT_PASSWORD = 'Slapd-Root#Test-2026';
const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';

export interface LdapPerson {
  /** The `cn` of an entry under ou=people. */
  cn: string;
  password: string;
  /** May write every entry's userPassword (the directory's password administrator). */
  admin?: boolean;
}

export interface SlapdInstance {
  host: '127.0.0.1';
  port: number;
  tlsPort: number;
  /** PEM of the self-signed server certificate (the CA to trust for ldaps). */
  caPem: string;
  caFile: string;
  dir: string;
  dnOf(cn: string): string;
  stop(): Promise<void>;
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const openssl = (): string | null =>
  ['/usr/bin/openssl', '/bin/openssl', '/usr/local/bin/openssl'].find(executable) ?? null;

/** Null when slapd tests can run here; otherwise the skip reason. */
export function slapdSkipReason(): string | null {
  if (!executable(SLAPD) || !executable(SLAPADD) || !existsSync(path.join(SCHEMA_DIR, 'core.schema')))
    return SLAPD_SKIP_REASON;
  if (!openssl()) return 'skipped: openssl not installed (needed for the ldaps certificate)';
  return null;
}

function run(file: string, args: string[], cwd: string, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} failed: ${err.message}\n${stdout}${stderr}`.trim())) : resolve(stdout),
    );
    child.stdin?.end(input ?? '');
  });
}

function ldif(people: LdapPerson[]): string {
  const entries = [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: custody\no: custody`,
    `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people`,
    ...people.map(
      (p) =>
        // Base64 (`::`) so any character of the password survives LDIF.
        `dn: cn=${p.cn},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\ncn: ${p.cn}\nsn: ${p.cn}\n` +
        `userPassword:: ${Buffer.from(p.password).toString('base64')}`,
    ),
  ];
  return entries.join('\n\n') + '\n';
}

function config(dir: string, people: LdapPerson[]): string {
  const admins = people
    .filter((p) => p.admin)
    .map((p) => `  by dn.exact="cn=${p.cn},ou=people,${SUFFIX}" write`);
  return [
    ...['core', 'cosine', 'inetorgperson'].map((s) => `include ${SCHEMA_DIR}/${s}.schema`),
    `pidfile ${dir}/slapd.pid`,
    `argsfile ${dir}/slapd.args`,
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    `TLSCertificateFile ${dir}/cert.pem`,
    `TLSCertificateKeyFile ${dir}/key.pem`,
    // Passwords set by the password-modify extended operation are stored salted-hashed.
    'password-hash {SSHA}',
    'database mdb',
    'maxsize 10485760',
    `suffix "${SUFFIX}"`,
    `rootdn "${ROOT_DN}"`,
    `rootpw ${ROOT_PASSWORD}`,
    `directory ${dir}/db`,
    'access to attrs=userPassword',
    '  by self write',
    ...admins,
    '  by anonymous auth',
    '  by * none',
    'access to *',
    ...admins,
    '  by * read',
    '',
  ].join('\n');
}

async function waitListening(port: number, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('slapd exited');
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`slapd did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a private slapd holding `people`, or returns null when it cannot run here. */
export async function startSlapd(people: LdapPerson[]): Promise<SlapdInstance | null> {
  const ossl = openssl();
  if (slapdSkipReason() || !ossl) return null;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'custody-slapd-'));
  let child: ChildProcess | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child) await stopTracked(child);
      await rm(dir, { recursive: true, force: true });
    })());
  try {
    await mkdir(path.join(dir, 'db'));
    await run(
      ossl,
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      dir,
    );
    const conf = path.join(dir, 'slapd.conf');
    await writeFile(conf, config(dir, people));
    await writeFile(path.join(dir, 'init.ldif'), ldif(people));
    await run(SLAPADD, ['-f', conf, '-l', path.join(dir, 'init.ldif')], dir);
    let port = 0;
    let tlsPort = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      tlsPort = await freePort();
      const urls = `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${tlsPort}/`;
      child = spawnTracked(undefined, SLAPD, ['-f', conf, '-h', urls, '-d', '0']);
      child.stdout?.resume();
      child.stderr?.resume();
      try {
        await waitListening(port, child, 20_000);
        await waitListening(tlsPort, child, 5_000);
        break;
      } catch (e) {
        await stopTracked(child);
        child = null;
        if (attempt >= 3) throw e;
      }
    }
    const caFile = path.join(dir, 'cert.pem');
    return {
      host: '127.0.0.1',
      port,
      tlsPort,
      caPem: await readFile(caFile, 'utf8'),
      caFile,
      dir,
      dnOf: (cn) => `cn=${cn},ou=people,${SUFFIX}`,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
