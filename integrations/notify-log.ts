import type { AccessNotification, AccessNotifier, Logger } from '../core/index.ts';

/** Access-control notifications written to the operation log (the default `[notify] kind = "log"`). */
export class LogAccessNotifier implements AccessNotifier {
  constructor(private readonly logger: Logger) {}

  async notify(n: AccessNotification): Promise<void> {
    this.logger.log('info', 'notify', { kind: n.kind, to: n.to, subject: n.subject });
  }
}
