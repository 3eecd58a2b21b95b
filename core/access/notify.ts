/**
 * Where the access-control workflow announces itself: requests go to the authorisers, decisions
 * to the requester, expiries and skipped resets to those who approved. `to` holds Custody user
 * names; the implementation maps them to addresses. The default does nothing: the e-mail and log
 * notifiers plug in through `CoreDeps.accessNotifier`.
 */
export interface AccessNotification {
  kind: 'request' | 'decision' | 'expired' | 'reset-skipped' | 'password-event' | 'rotation' | 'verification';
  to: string[];
  subject: string;
  body: string;
}

export interface AccessNotifier {
  notify(event: AccessNotification): Promise<void>;
}

export const noopAccessNotifier: AccessNotifier = {
  notify: async () => undefined,
};
