// The six password events — accessed, changed, share changed, expired, policy violated, out of sync
// — derived from committed audit rows and delivered to a local SMTP sink, a syslog listener over
// UDP and over TCP (each RFC 5424 frame parsed), and a webhook server (HMAC-SHA256 signature
// checked), to the owner, the users it is shared with and the administrators, and no password
// anywhere.
import { createHmac } from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Core,
  ManualClock,
  Secret,
  silentLogger,
  type Actor,
  type AuditRecord,
  type PasswordEvent,
} from '../../core/index.ts';
import { EmailChannel, SmtpAccessNotifier, SyslogChannel, WebhookChannel } from '../../integrations/index.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { createTestVault, pw, USER_PASSWORD, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const CANARY = 'Cn4#ry-Pw9!Xq2$Lm7&Zk';
const CANARY2 = 'Cn5#ry-Pw8!Yq3$Lm6&Zj';
const WEAK = 'weakcanary1';
const KEY = 'test-webhook-key';

/** RFC 5424: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]. */
const RFC5424 =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32}) (\[custody@32473(?: [a-z]+="(?:[^"\\\]]|\\.)*")+\]) (.*)$/s;

interface Frame {
  pri: number;
  msgid: string;
  sd: Record<string, string>;
  msg: string;
}

function parse5424(text: string): Frame {
  const m = RFC5424.exec(text);
  if (!m) throw new Error(`not an RFC 5424 frame: ${text.slice(0, 200)}`);
  const sd: Record<string, string> = {};
  for (const p of m[7]!.matchAll(/([a-z]+)="((?:[^"\\\]]|\\.)*)"/g))
    sd[p[1]!] = p[2]!.replace(/\\(.)/g, '$1');
  return { pri: Number(m[1]), msgid: m[6]!, sd, msg: m[8]! };
}

describe('password-event notifications: SMTP, syslog (UDP and TCP), webhook', () => {
  let v: TestVault;
  let core: Core;
  let sink: SmtpSink;
  const clock = new ManualClock('2026-03-01T08:00:00Z');
  const udpFrames: Frame[] = [];
  const tcpFrames: Frame[] = [];
  const hooks: PasswordEvent[] = [];
  const raw: string[] = [];
  let udp: dgram.Socket;
  let tcp: net.Server;
  let web: http.Server;
  let pam: Actor;
  let alice: Actor;

  beforeAll(async () => {
    sink = await startSmtpSink();
    udp = dgram.createSocket('udp4');
    udp.on('message', (b) => {
      raw.push(b.toString());
      udpFrames.push(parse5424(b.toString()));
    });
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    tcp = net.createServer((s) => {
      let buf = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        buf += d;
        // Octet counting (RFC 6587 §3.4.1): "LEN SP FRAME".
        for (
          let m = /^(\d+) /.exec(buf);
          m && buf.length >= m[0].length + Number(m[1]);
          m = /^(\d+) /.exec(buf)
        ) {
          const frame = buf.slice(m[0].length, m[0].length + Number(m[1]));
          buf = buf.slice(m[0].length + Number(m[1]));
          raw.push(frame);
          tcpFrames.push(parse5424(frame));
        }
      });
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    web = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        raw.push(body);
        const want = `sha256=${createHmac('sha256', KEY).update(body).digest('hex')}`;
        if (req.headers['x-custody-signature'] !== want) {
          res.writeHead(401).end();
          return;
        }
        hooks.push(JSON.parse(body) as PasswordEvent);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));

    v = await createTestVault({ clock, extraConfig: { vault: { enforce_policy_on_add: false } } });
    const emailOf = async (u: string) =>
      (await contextOf(v.core).store.read((r) => r.users.byName(u)))?.email || undefined;
    const port = (s: net.Server | http.Server) => (s.address() as net.AddressInfo).port;
    core = new Core({
      ...contextOf(v.core).deps,
      passwordEventChannels: [
        new EmailChannel(
          new SmtpAccessNotifier(
            {
              host: '127.0.0.1',
              port: sink.port,
              from: 'custody@test.example',
              tls: 'none',
              timeoutMs: 5000,
            },
            emailOf,
            silentLogger,
          ),
        ),
        new SyslogChannel(
          { host: '127.0.0.1', port: udp.address().port, protocol: 'udp', timeoutMs: 5000 },
          silentLogger,
        ),
        new SyslogChannel(
          { host: '127.0.0.1', port: port(tcp), protocol: 'tcp', timeoutMs: 5000 },
          silentLogger,
        ),
        new WebhookChannel(
          { url: `http://127.0.0.1:${port(web)}/hook`, key: KEY, timeoutMs: 5000 },
          silentLogger,
        ),
      ],
    });
    const mk = async (username: string, role: 'admin' | 'password-admin' | 'password-user') => {
      await core.users.create(v.host, {
        username,
        role,
        email: `${username}@test.example`,
        password: Secret.fromString(USER_PASSWORD),
      });
      return (await contextOf(v.core).store.read((r) => r.users.byName(username)))!;
    };
    const { actorFor } = await import('../../core/index.ts');
    pam = actorFor(await mk('pam', 'password-admin'), 'test');
    alice = actorFor(await mk('alice', 'password-user'), 'test');
    await mk('adm1', 'admin');
    await mk('bob', 'password-user');
    await mk('carol', 'password-user'); // no access: never a recipient
    await core.resources.create(pam, { name: 'db01', type: 'linux', dnsName: 'db01.example' });
    await core.accounts.add(pam, 'db01', 'root', pw(CANARY));
    await core.accounts.add(pam, 'db01', 'legacy', pw(WEAK)); // breaks the default (Strong) policy
    await core.sharing.grant(
      pam,
      { kind: 'resource', name: 'db01' },
      { kind: 'user', name: 'alice' },
      'view',
    );
    await core.settled();
    sink.messages.length = 0;
    udpFrames.length = tcpFrames.length = hooks.length = raw.length = 0;
  }, 60_000);

  afterAll(async () => {
    await core?.settled();
    await v?.close();
    await sink?.close();
    udp?.close();
    tcp?.close();
    web?.close();
  });

  it('each of the six events reaches every channel, for the owner, the users it is shared with and the administrators', async () => {
    await core.accounts.reveal(alice, 'db01/root'); // accessed
    await core.settled();
    await core.accounts.changePassword(pam, 'db01/root', pw(CANARY2)); // changed
    await core.settled();
    await core.sharing.grant(pam, { kind: 'resource', name: 'db01' }, { kind: 'user', name: 'bob' }, 'view'); // share changed
    clock.advance(91 * 86_400_000);
    const daily = await core.passwordEvents.dailyCheck(v.host); // expired (Strong: 90 days), policy violated
    expect(daily.violating).toEqual(['db01/legacy']);
    expect(daily.expired).toContain('db01/legacy');
    // Out of sync: verification (another module) writes `password.verify`; fed as committed rows.
    const verify = (status: string, seq: number): AuditRecord => ({
      seq,
      id: `v-${seq}`,
      at: clock.now().toISOString(),
      type: 'password.verify',
      code: 'X110',
      actor: 'system',
      source: 'verify',
      targetKind: 'account',
      targetName: 'db01/root',
      result: 'failure',
      details: JSON.stringify({ status }),
      prevHash: '',
      hash: '',
    });
    core.passwordEvents.onAudit([verify('out-of-sync', 9001), verify('unreachable', 9002)]);
    await core.settled();
    await new Promise((r) => setTimeout(r, 300)); // UDP datagrams and the SMTP sink settle

    const kinds = [
      'accessed',
      'changed',
      'share-changed',
      'expired',
      'policy-violated',
      'out-of-sync',
    ] as const;
    const everyone = ['adm1', 'admin', 'alice', 'pam'];
    for (const kind of kinds) {
      const hook = hooks.find(
        (h) => h.kind === kind && (kind !== 'expired' || h.object.name === 'db01/root'),
      );
      expect(hook, kind).toBeDefined();
      // Resolved when the event is generated: bob is a recipient once his share exists.
      expect(hook!.recipients).toEqual(
        kind === 'accessed' || kind === 'changed' ? everyone : [...everyone, 'bob'].sort(),
      );
      for (const frames of [udpFrames, tcpFrames]) {
        const f = frames.find((x) => x.msgid === kind && x.msg.includes(hook!.object.name));
        expect(f, `${kind} syslog`).toBeDefined();
        expect(f!.pri).toBe(10 * 8 + (['expired', 'policy-violated', 'out-of-sync'].includes(kind) ? 4 : 5));
        expect(f!.sd.event).toBe(kind);
        expect(f!.sd.object).toBe(`${hook!.object.kind}:${hook!.object.name}`);
        expect(f!.sd.recipients).toBe(hook!.recipients.join(','));
      }
      const mail = sink.messages.find(
        (m) => m.data.includes(`Event:   ${kind}`) && m.data.includes(hook!.object.name),
      );
      expect(mail, `${kind} mail`).toBeDefined();
      // The built-in admin has no address: skipped, the others get it.
      expect(mail!.to.sort()).toEqual(
        hook!.recipients
          .filter((u) => u !== 'admin')
          .map((u) => `${u}@test.example`)
          .sort(),
      );
      expect(mail!.to).not.toContain('carol@test.example');
    }
    expect(hooks.find((h) => h.kind === 'share-changed')!.object).toEqual({ kind: 'resource', name: 'db01' });
    // An unreachable target is not out of sync (nothing was learnt about its password): one
    // out-of-sync event only.
    expect(hooks.filter((h) => h.kind === 'out-of-sync')).toHaveLength(1);
    expect(hooks.find((h) => h.kind === 'accessed')!.actor).toBe('alice');

    // The server's daily run: once per UTC day, at or after daily_check_hour (1), on the injected clock.
    hooks.length = 0;
    clock.set('2026-06-10T00:30:00Z');
    expect(await core.dailyEvents.tick(v.host)).toBe(false);
    clock.set('2026-06-10T01:00:00Z');
    expect(await core.dailyEvents.tick(v.host)).toBe(true);
    clock.set('2026-06-10T23:00:00Z');
    expect(await core.dailyEvents.tick(v.host)).toBe(false);
    await core.settled();
    expect(hooks.filter((h) => h.kind === 'policy-violated')).toHaveLength(1);
    clock.set('2026-06-11T01:00:00Z');
    expect(await core.dailyEvents.tick(v.host)).toBe(true);
    await core.settled();
    expect(hooks.filter((h) => h.kind === 'policy-violated')).toHaveLength(2);

    // No password anywhere: mails, syslog frames, webhook bodies.
    const everything = raw.join('\n') + sink.messages.map((m) => m.data).join('\n');
    for (const secret of [CANARY, CANARY2, WEAK, USER_PASSWORD]) expect(everything).not.toContain(secret);
  }, 60_000);
});
