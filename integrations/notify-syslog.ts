// Password events as syslog messages (RFC 5424), over UDP (one message per datagram, RFC 5426)
// or TCP (octet-counted framing, RFC 6587 §3.4.1).
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import type { Logger, PasswordEvent, PasswordEventChannel } from '../core/index.ts';

export interface SyslogSettings {
  host: string;
  port: number;
  protocol: 'udp' | 'tcp';
  timeoutMs: number;
  appName?: string;
}

/** facility 10 = security/authorization (authpriv); severity 5 notice, 4 warning. */
const FACILITY = 10;
const WARNING_KINDS = new Set(['expired', 'policy-violated', 'out-of-sync']);

/** SD-PARAM-VALUE escaping (RFC 5424 §6.3.3): `"`, `\` and `]` are escaped. */
const sd = (v: string) => v.replace(/[\\"\]]/g, (c) => `\\${c}`);

/** An RFC 5424 line: <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG. No password is in an event. */
export function formatRfc5424(e: PasswordEvent, appName = 'custody', hostname = os.hostname()): string {
  const pri = FACILITY * 8 + (WARNING_KINDS.has(e.kind) ? 4 : 5);
  const field = (v: string, max: number) => v.replace(/[^\x21-\x7e]/g, '').slice(0, max) || '-';
  const data =
    `[custody@32473 event="${sd(e.kind)}" object="${sd(e.object.kind)}:${sd(e.object.name)}"` +
    ` actor="${sd(e.actor)}" audit="${sd(e.audit.code)}#${e.audit.seq}"` +
    ` recipients="${sd(e.recipients.join(','))}"]`;
  return `<${pri}>1 ${e.at} ${field(hostname, 255)} ${field(appName, 48)} ${process.pid} ${field(
    e.kind,
    32,
  )} ${data} ${e.summary}`;
}

export class SyslogChannel implements PasswordEventChannel {
  readonly name = 'syslog';

  constructor(
    private readonly s: SyslogSettings,
    private readonly logger: Logger,
  ) {}

  async send(e: PasswordEvent): Promise<void> {
    const msg = Buffer.from(formatRfc5424(e, this.s.appName), 'utf8');
    try {
      await (this.s.protocol === 'udp' ? this.udp(msg) : this.tcp(msg));
    } catch (err) {
      this.logger.log('error', 'password-event.syslog-failed', {
        kind: e.kind,
        error: String((err as Error)?.message ?? err)
          .split('\n')[0]!
          .slice(0, 200),
      });
    }
  }

  private udp(msg: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket(net.isIPv6(this.s.host) ? 'udp6' : 'udp4');
      sock.send(msg, this.s.port, this.s.host, (err) => {
        sock.close();
        if (err) reject(err);
        else resolve();
      });
    });
  }

  private tcp(msg: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: this.s.host, port: this.s.port });
      sock.setTimeout(this.s.timeoutMs, () => sock.destroy(new Error('syslog: timed out')));
      sock.on('error', reject);
      sock.on('connect', () =>
        sock.end(Buffer.concat([Buffer.from(`${msg.length} `), msg]), () => resolve()),
      );
    });
  }
}
