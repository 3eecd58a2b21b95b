// Password events by e-mail: through the notifier chosen in [notify] (SMTP mails the users'
// addresses; "log" writes the operation log), to the event's recipients.
import type { AccessNotifier, PasswordEvent, PasswordEventChannel } from '../core/index.ts';

export class EmailChannel implements PasswordEventChannel {
  readonly name = 'email';

  constructor(private readonly notifier: AccessNotifier) {}

  async send(e: PasswordEvent): Promise<void> {
    if (e.recipients.length === 0) return;
    await this.notifier.notify({
      kind: 'password-event',
      to: e.recipients,
      subject: `[custody] ${e.summary}`,
      body: [
        `Event:   ${e.kind}`,
        `Object:  ${e.object.kind} ${e.object.name}`,
        `By:      ${e.actor} (${e.source})`,
        `At:      ${e.at}`,
        `Audit:   ${e.audit.code} #${e.audit.seq} (${e.audit.type})`,
        '',
        'The password itself is never sent by Custody.',
      ].join('\n'),
    });
  }
}
