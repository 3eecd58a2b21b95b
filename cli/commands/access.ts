import type { Command } from 'commander';
import { UsageError, type AccessConfigView, type AccessRequestView } from '../../core/index.ts';
import { globalsOf, withCore } from '../context.ts';
import { withLiveCore } from '../live-core.ts';
import { Output, table } from '../output.ts';

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

function wholeHours(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number of hours`);
  return Number(v);
}

function configLines(c: AccessConfigView | null, resource: string): string[] {
  if (!c) return [`access control is not configured on ${resource}`];
  return [
    `resource:             ${c.resource}`,
    `active:               ${c.active ? 'yes' : 'no'}`,
    `approvers:            ${c.approvers.join(', ')}${c.dual ? ' (dual approval: two distinct approvers)' : ''}`,
    `excluded:             ${c.excluded.join(', ') || '-'}`,
    `request void after:   ${c.voidAfterHours ? `${c.voidAfterHours} h` : 'never'}`,
    `exclusive use:        ${c.exclusiveHours ? `${c.exclusiveHours} h` : 'unlimited'}`,
    `reset after check-in: ${c.resetOnCheckin ? 'yes' : 'no'}`,
    `automatic approval:   ${c.autoApprove}`,
    `session end checks in: ${c.checkinOnSessionEnd ? 'yes' : 'no'}`,
    `valid ticket approves: ${c.ticketAutoApprove ? 'yes' : 'no'}`,
  ];
}

/** The state in words: who rejected and why, and how many approvals a waiting request has. */
function stateText(r: AccessRequestView): string {
  if (r.state === 'checked-out') return `checked-out until ${r.expiresAt ?? 'checked in'}`;
  if (r.state === 'rejected')
    return `rejected by ${r.rejectedBy ?? 'an approver'}${r.rejectReason ? `: ${r.rejectReason}` : ''}`;
  if (r.state === 'waiting' && r.approvalsNeeded > 1)
    return `waiting, ${r.approvals.length} of ${r.approvalsNeeded} approvals`;
  return r.state;
}

function requestLine(r: AccessRequestView): string {
  return `request ${r.id} for ${r.account} (requested by ${r.requester}): ${stateText(r)}`;
}

function requestTable(rs: AccessRequestView[]): string[] {
  if (rs.length === 0) return ['no requests'];
  return table([
    ['ID', 'ACCOUNT', 'REQUESTER', 'STATE', 'APPROVED BY', 'CREATED', 'EXPIRES', 'REASON'],
    ...rs.map((r) => [
      r.id,
      r.account,
      r.requester,
      stateText(r).replace(/ until .*/, ''),
      r.approvals.join(',') || '-',
      r.createdAt,
      r.expiresAt ?? (r.state === 'checked-out' ? 'never' : '-'),
      r.reason,
    ]),
  ]);
}

/**
 * The access-control workflow (CLI contract): `access set|show|activate|deactivate|admins-may-view`,
 * `request`, `approve`, `reject`, `checkout`, `checkin [--force]`, `requests`.
 */
export function registerAccess(program: Command): void {
  const access = program.command('access').description('the password access-control workflow of a resource');
  access
    .command('set <resource>')
    .description('turns the access-control workflow on for RESOURCE (replaces its settings)')
    .requiredOption('--approvers <users>', 'comma-separated administrators or password administrators')
    .option('--dual', 'two distinct approvers must approve each request')
    .option('--exclude <users>', 'comma-separated users who need no request')
    .option('--void-after-hours <n>', 'an unapproved request becomes void after N hours (0 = never)', '24')
    .option('--exclusive-hours <n>', 'exclusive use after check-out, in hours (0 = unlimited)', '8')
    .option('--reset-on-checkin', 'reset the password after check-in')
    .option(
      '--auto-approve [window]',
      "approve requests automatically: always, or in a daily UTC window 'HH:MM-HH:MM'",
    )
    .option('--checkin-on-session-end', 'ending a gateway session on the account checks the password in')
    .option(
      '--ticket-auto-approve',
      'with ticket validation on: a request whose ticket validates is approved at once',
    )
    .option('--inactive', 'save the settings without activating them')
    .action(
      async (
        resource: string,
        o: {
          approvers: string;
          dual?: boolean;
          exclude?: string;
          voidAfterHours?: string;
          exclusiveHours?: string;
          resetOnCheckin?: boolean;
          autoApprove?: boolean | string;
          checkinOnSessionEnd?: boolean;
          ticketAutoApprove?: boolean;
          inactive?: boolean;
        },
        cmd: Command,
      ) => {
        const g = globalsOf(cmd);
        const auto =
          o.autoApprove === undefined || o.autoApprove === false
            ? 'off'
            : o.autoApprove === true
              ? 'always'
              : o.autoApprove;
        const c = await withCore(g, (me) =>
          me.access.configure(resource, {
            approvers: list(o.approvers),
            dual: !!o.dual,
            excluded: list(o.exclude),
            voidAfterHours: wholeHours('void-after-hours', o.voidAfterHours) ?? 24,
            exclusiveHours: wholeHours('exclusive-hours', o.exclusiveHours) ?? 8,
            resetOnCheckin: !!o.resetOnCheckin,
            autoApprove: auto,
            checkinOnSessionEnd: !!o.checkinOnSessionEnd,
            ticketAutoApprove: !!o.ticketAutoApprove,
            active: !o.inactive,
          }),
        );
        new Output(!!g.json).result(c, (x) => configLines(x, resource));
      },
    );
  access
    .command('show <resource>')
    .description("a resource's access-control settings")
    .action(async (resource: string, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const c = await withCore(g, (me) => me.access.show(resource));
      new Output(!!g.json).result(c, (x) => configLines(x, resource));
    });
  for (const [name, active] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    access
      .command(`${name} <resource>`)
      .description(
        active
          ? 'turn the saved access-control settings on for a resource'
          : 'turn access control off for a resource (its settings are kept)',
      )
      .action(async (resource: string, _o: unknown, cmd: Command) => {
        const g = globalsOf(cmd);
        const c = await withCore(g, (me) => me.access.setActive(resource, active));
        new Output(!!g.json).result(c, (x) => configLines(x, resource));
      });
  }
  access
    .command('admins-may-view <on|off>')
    .description('while a password user holds a password, administrators may still view it')
    .action(async (value: string, _o: unknown, cmd: Command) => {
      if (value !== 'on' && value !== 'off') throw new UsageError('admins-may-view takes on or off');
      const g = globalsOf(cmd);
      const s = await withCore(g, (me) => me.access.setGeneral({ adminsMayView: value === 'on' }));
      new Output(!!g.json).result(s, (x) => [
        `admins may view checked-out passwords: ${x.adminsMayView ? 'on' : 'off'}`,
      ]);
    });

  program
    .command('request <account>')
    .description('requests the release of RESOURCE/ACCOUNT; prints the request id')
    .requiredOption('--reason <text>', 'why you need it')
    .option('--ticket <id>', 'the service ticket (required when ticket validation is on)')
    .action(async (ref: string, o: { reason: string; ticket?: string }, cmd: Command) => {
      const g = globalsOf(cmd);
      const r = await withCore(g, (me) => me.access.request(ref, o.reason, o.ticket));
      new Output(!!g.json).result(r, (x) => [x.id]);
    });
  program
    .command('approve <id>')
    .description('approves a request (its requester never can)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const r = await withCore(g, (me) => me.access.approve(id));
      new Output(!!g.json).result(r, (x) => [requestLine(x)]);
    });
  program
    .command('reject <id>')
    .description('rejects a request, with the reason the requester is told')
    .option('--reason <text>', 'why (kept and shown to the requester)')
    .action(async (id: string, o: { reason?: string }, cmd: Command) => {
      const g = globalsOf(cmd);
      const r = await withCore(g, (me) => me.access.reject(id, o.reason));
      new Output(!!g.json).result(r, (x) => [requestLine(x)]);
    });
  program
    .command('checkout <account>')
    .description('checks out an approved password for exclusive use (prints nothing secret)')
    .option('--reason <text>', 'why you view it (required when vault.require_reason_to_reveal is on)')
    .action(async (ref: string, o: { reason?: string }, cmd: Command) => {
      const g = globalsOf(cmd);
      const r = await withCore(g, (me) => me.access.checkout(ref, o.reason));
      new Output(!!g.json).result(r, (x) => [requestLine(x)]);
    });
  program
    .command('checkin <account>')
    .description('gives the password back; --force: an administrator ends whoever holds it')
    .option('--force', 'check in someone else’s check-out')
    .option('--reason <text>', 'why (kept in the audit row)')
    .action(async (ref: string, o: { force?: boolean; reason?: string }, cmd: Command) => {
      const g = globalsOf(cmd);
      // The check-out's live sessions end (on the running server, or on whichever cluster node).
      const r = await withLiveCore(g, (me) =>
        me.access.checkin(ref, { force: !!o.force, ...(o.reason ? { reason: o.reason } : {}) }),
      );
      new Output(!!g.json).result(r, (x) => [requestLine(x)]);
    });
  program
    .command('requests')
    .description('access requests: yours and those you may approve')
    .option('--mine', 'only your own requests')
    .option('--pending', 'only requests waiting for your approval')
    .action(async (o: { mine?: boolean; pending?: boolean }, cmd: Command) => {
      if (o.mine && o.pending) throw new UsageError('give --mine or --pending, not both');
      const g = globalsOf(cmd);
      const rs = await withCore(g, (me) => me.access.list({ mine: !!o.mine, pending: !!o.pending }));
      new Output(!!g.json).result(rs, requestTable);
    });
}
