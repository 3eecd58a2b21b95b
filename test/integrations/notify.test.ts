// Access-control notifiers: e-mail through a local SMTP sink (test/support/smtp-sink.ts), the
// log notifier, and the wiring from [notify] in conf/custody.toml through openCore.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore, type Logger } from '../../core/index.ts';
import { integrationsFor, LogAccessNotifier, SmtpAccessNotifier } from '../../integrations/index.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { createTestVault, writeTestConfig, type TestVault } from '../support/vault.ts';
import { contextOf } from '../support/core-internals.ts';

const collect = () => {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    log: (level, message, fields) => void lines.push({ level, message, ...(fields ? { fields } : {}) }),
  };
  return { lines, logger };
};

describe('e-mail notifier (local SMTP sink)', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => sink?.close());

  it('the SMTP sink receives a request notification addressed to the authorisers', async () => {
    const { lines, logger } = collect();
    const emails: Record<string, string> = { ann: 'ann@example.test', bob: 'bob@example.test' };
    const n = new SmtpAccessNotifier(
      { host: '127.0.0.1', port: sink.port, from: 'custody@example.test', tls: 'none', timeoutMs: 5000 },
      async (u) => emails[u],
      logger,
    );
    await n.notify({
      kind: 'request',
      to: ['ann', 'bob', 'nomail'],
      subject: 'Access request for web01/root',
      body: 'alice asks for web01/root: INC-4711',
    });
    n.close();
    expect(sink.messages).toHaveLength(1);
    const m = sink.messages[0]!;
    expect(m.from).toBe('custody@example.test');
    expect(m.to.sort()).toEqual(['ann@example.test', 'bob@example.test']);
    expect(m.data).toMatch(/^Subject: Access request for web01\/root$/m);
    expect(m.data).toContain('alice asks for web01/root: INC-4711');
    expect(lines.some((l) => l.message === 'notify.no-address' && l.fields?.user === 'nomail')).toBe(true);
    expect(lines.some((l) => l.message === 'notify.sent')).toBe(true);
  });

  it('a delivery failure is logged on one line and does not throw', async () => {
    const { lines, logger } = collect();
    const n = new SmtpAccessNotifier(
      { host: '127.0.0.1', port: 1, from: 'custody@example.test', tls: 'none', timeoutMs: 1000 },
      async () => 'x@example.test',
      logger,
    );
    await expect(n.notify({ kind: 'decision', to: ['x'], subject: 's', body: 'b' })).resolves.toBeUndefined();
    n.close();
    const fail = lines.find((l) => l.message === 'notify.failed');
    expect(String(fail?.fields?.error)).not.toContain('\n');
  });

  it('is wired from [notify] through openCore, with the password read from smtp_password_file', async () => {
    const v: TestVault = await createTestVault();
    try {
      await writeTestConfig(v.home, {
        extraConfig: {
          notify: {
            kind: 'smtp',
            smtp_host: '127.0.0.1',
            smtp_port: sink.port,
            smtp_from: 'custody@example.test',
            smtp_tls: 'none',
            smtp_user: 'relay',
            smtp_password_file: 'keys/smtp-password',
          },
        },
      });
      await writeFile(path.join(v.home, 'keys', 'smtp-password'), 'relay-secret\n', { mode: 0o600 });
      await v.core.users.create(v.host, { username: 'appr', role: 'admin', email: 'appr@example.test' });
      const opened = await openCore({ home: v.home, integrations: integrationsFor });
      try {
        const notifier = contextOf(opened.core).deps.accessNotifier!;
        expect(notifier).toBeInstanceOf(SmtpAccessNotifier);
        const before = sink.messages.length;
        await notifier.notify({
          kind: 'decision',
          to: ['appr'],
          subject: 'Approved',
          body: 'your request was approved',
        });
        (notifier as SmtpAccessNotifier).close();
        const m = sink.messages[before]!;
        expect(m.to).toEqual(['appr@example.test']);
        expect(m.auth).toBe('relay:relay-secret');
      } finally {
        await opened.core.close();
      }
    } finally {
      await v.close();
    }
  });
});

describe('log notifier', () => {
  it('writes the notification (kind, recipients, subject) to the log', async () => {
    const { lines, logger } = collect();
    await new LogAccessNotifier(logger).notify({
      kind: 'expired',
      to: ['ann'],
      subject: 'Expired',
      body: 'b',
    });
    expect(lines).toEqual([
      { level: 'info', message: 'notify', fields: { kind: 'expired', to: ['ann'], subject: 'Expired' } },
    ]);
  });
});
