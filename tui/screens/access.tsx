import { Box, Text } from 'ink';
import React, { useState } from 'react';
import type { AccessRequestView } from '../../core/index.ts';
import { refusal, useConsole } from '../console-context.tsx';
import { useLoaded } from '../components/use-loaded.ts';
import { Prompt, usePrompt } from '../components/prompt.tsx';
import { useCursor, VirtualList } from '../components/virtual-list.tsx';
import { Command, commandOf } from '../keys.ts';
import { useKeys } from '../components/use-keys.ts';

/**
 * A request's state as the requester reads it (waiting / yet to use / in use), in the words of the
 * product Custody follows.
 */
const STATE_WORDS: Record<string, string> = {
  waiting: 'waiting for approval',
  approved: 'approved, yet to use',
  'checked-out': 'in use (checked out)',
};

/**
 * A request's state in those words, with what the requester needs to know: how many
 * approvals a dual-approval request still waits for, and who rejected it and why.
 */
export function describeRequest(
  r: Pick<AccessRequestView, 'state' | 'approvals' | 'approvalsNeeded' | 'rejectedBy' | 'rejectReason'>,
): string {
  if (r.state === 'waiting' && r.approvalsNeeded > 1)
    return `waiting, ${r.approvals.length} of ${r.approvalsNeeded} approvals`;
  if (r.state === 'rejected' && r.rejectedBy)
    return `rejected by ${r.rejectedBy}${r.rejectReason ? ` ("${r.rejectReason}")` : ''}`;
  return STATE_WORDS[r.state] ?? r.state;
}

/**
 * Access control: the operator's own requests (check out, check in) and, for those who approve,
 * the inbox (approve, reject with a reason, force check-in). `←`/`→` switch between the two.
 */
export function AccessScreen(props: { height: number; active: boolean }) {
  const c = useConsole();
  const { me } = c;
  const approver = c.me.can('access.approve');
  const [pane, setPane] = useState<'mine' | 'inbox'>('mine');
  const [tick, setTick] = useState(0);
  // The inbox holds what an approver may still act on: waiting, approved, checked out.
  const rows = useLoaded(async () => {
    const all = await me.access.list(pane === 'mine' ? { mine: true } : {});
    return pane === 'mine'
      ? all
      : all.filter((r) => ['waiting', 'approved', 'checked-out'].includes(r.state));
  }, [pane, tick, me]);
  // Reject asks a reason; force check-in asks "yes", then a reason (it ends someone's session).
  const prompt = usePrompt<{ kind: 'reject' | 'force-confirm' | 'force-reason'; r: AccessRequestView }>();
  const asking = prompt.open;
  const listHeight = Math.max(1, props.height - 2);
  const [cursor, move, setCursor] = useCursor(rows?.length ?? 0, listHeight);

  const act = (p: Promise<unknown>, done: string) =>
    p
      .then(() => {
        c.flash(done, 'success');
        setTick((n) => n + 1);
      })
      .catch((e: unknown) => c.flash(refusal(e), 'error'));

  const selected = rows?.[cursor];
  useKeys(
    (input, key) => {
      if (prompt.swallow(input, key)) return;
      const cmd = commandOf([pane === 'inbox' ? 'inbox' : 'access', 'list', 'keys', 'global'], input, key);
      if (move(cmd)) return;
      if ((key.leftArrow || key.rightArrow) && approver) {
        setPane((p) => (p === 'mine' ? 'inbox' : 'mine'));
        return setCursor(0);
      }
      if (cmd === Command.Refresh) return setTick((n) => n + 1);
      if (!selected) return;
      if (cmd === Command.Checkout)
        return void act(me.access.checkout(selected.account), `${selected.account} checked out`);
      if (cmd === Command.Checkin)
        return void act(me.access.checkin(selected.account), `${selected.account} checked in`);
      if (cmd === Command.Approve)
        return void act(me.access.approve(selected.id), `request ${selected.id} approved`);
      if (cmd === Command.Reject) return prompt.ask({ kind: 'reject', r: selected });
      if (cmd === Command.ForceCheckin) return prompt.ask({ kind: 'force-confirm', r: selected });
    },
    { isActive: props.active },
  );

  return (
    <Box flexDirection="column" height={props.height}>
      <Text wrap="truncate-end">
        <Text bold={pane === 'mine'} color={pane === 'mine' ? c.theme.accent : c.theme.muted}>
          {' My requests '}
        </Text>
        {approver ? (
          <Text bold={pane === 'inbox'} color={pane === 'inbox' ? c.theme.accent : c.theme.muted}>
            {' Inbox '}
          </Text>
        ) : null}
        <Text color={c.theme.muted}>
          {pane === 'mine'
            ? '  o check out · i check in · request from an account (a)'
            : '  a approve · x reject · F force check-in'}
        </Text>
      </Text>
      <VirtualList
        count={rows?.length ?? 0}
        selected={cursor}
        height={listHeight}
        empty={
          rows === null
            ? 'loading…'
            : pane === 'mine'
              ? 'No requests. Open an account and press a to request access.'
              : 'Nothing waits for you.'
        }
        row={(i) => {
          const r = rows![i]!;
          const until = r.expiresAt ? ` until ${r.expiresAt.replace('T', ' ').slice(0, 16)}` : '';
          return `${r.account}  ${describeRequest(r)}${until}  by ${r.requester}: ${r.reason}  [${r.id}]`;
        }}
      />
      {asking ? (
        <Prompt
          key={asking.kind}
          early={prompt.early}
          label={
            asking.kind === 'reject'
              ? `Reason to reject ${asking.r.requester}'s request:`
              : asking.kind === 'force-confirm'
                ? `Force check-in of ${asking.r.account}? Type yes:`
                : `Reason to force the check-in of ${asking.r.account}:`
          }
          onCancel={() => prompt.close()}
          onSubmit={(answer) => {
            const { kind, r } = asking;
            prompt.close();
            if (kind === 'reject')
              return void act(me.access.reject(r.id, answer || undefined), `request ${r.id} rejected`);
            if (kind === 'force-confirm') {
              if (answer.toLowerCase() !== 'yes') return c.flash('force check-in cancelled', 'info');
              return prompt.ask({ kind: 'force-reason', r });
            }
            if (!answer) return c.flash('a reason is required', 'error');
            void act(
              me.access.checkin(r.account, { force: true, reason: answer }),
              `${r.account} checked in by force`,
            );
          }}
        />
      ) : null}
    </Box>
  );
}
