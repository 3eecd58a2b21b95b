import { Box, Text } from 'ink';
import React, { useEffect, useRef, useState } from 'react';
import { printable, type ActorCore } from '../../core/index.ts';
import { refusal, useConsole, useNavigation } from '../console-context.tsx';
import { Prompt, usePrompt } from '../components/prompt.tsx';
import { Command, commandOf } from '../keys.ts';
import { describeRequest } from './access.tsx';
import { launchInPlace } from './launch.ts';
import { useKeys } from '../components/use-keys.ts';

type AccountView = Awaited<ReturnType<ActorCore['accounts']['get']>>;
type HistoryView = Awaited<ReturnType<ActorCore['accounts']['history']>>;
type Capabilities = Awaited<ReturnType<ActorCore['accounts']['capabilities']>>;
type RequestView = Awaited<ReturnType<ActorCore['access']['list']>>[number];

/** OSC 52 (xterm "manipulate selection data"): the terminal, not the bastion, holds the copy. */
const osc52 = (text: string) => `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;

/**
 * One account: its fields, custom fields, password-history metadata and access state; reveal
 * (hidden again after `revealSeconds`), copy (cleared after `clipboardClearSeconds`), connect,
 * request / check out / check in.
 */
export function AccountDetailScreen(props: { ref_: string; height: number; active: boolean }) {
  const c = useConsole();
  const nav = useNavigation();
  const { me } = c;
  const ref = props.ref_;
  const [view, setView] = useState<AccountView | null>(null);
  const [history, setHistory] = useState<HistoryView>([]);
  const [caps, setCaps] = useState<Capabilities | null>(null);
  const [requests, setRequests] = useState<RequestView[]>([]);
  const [revealed, setRevealed] = useState<string | null>(null);
  const prompt = usePrompt<'reveal-reason' | 'copy-reason' | 'request-reason'>();
  const asking = prompt.open;
  const [reload, setReload] = useState(0);
  const timers = useRef<unknown[]>([]);

  useEffect(() => {
    let stale = false;
    me.accounts
      .get(ref)
      .then((v) => !stale && setView(v))
      .catch((e: unknown) => {
        if (stale) return;
        c.flash(refusal(e), 'error');
        nav.back();
      });
    // Ask what she may do first: an operation she may not run is not called (it would be audited
    // as a denial she never asked for) and the screen says "not permitted" instead.
    me.accounts
      .capabilities(ref)
      .then(async (may) => {
        if (stale) return;
        setCaps(may);
        if (!may.history) return setHistory([]);
        const h = await me.accounts.history(ref);
        if (!stale) setHistory(h);
      })
      .catch(() => undefined);
    me.access
      .list({ mine: true })
      .then((all) => !stale && setRequests(all.filter((r) => r.account === ref)))
      .catch(() => undefined);
    return () => {
      stale = true;
    };
    // c and nav are stable for the console's life.
  }, [me, ref, reload]);

  useEffect(
    () => () => {
      for (const t of timers.current) c.timers.clearTimeout(t);
    },
    [c.timers],
  );

  const needsReason = me.config.vault.require_reason_to_reveal;

  const retrieve = async (reason: string | undefined, then: (secret: string) => void) => {
    try {
      const secret = await me.accounts.reveal(ref, reason || undefined);
      then(secret.reveal());
    } catch (e) {
      c.flash(refusal(e), 'error');
    }
  };

  const reveal = (reason?: string) =>
    retrieve(reason, (plain) => {
      setRevealed(plain);
      timers.current.push(c.timers.setTimeout(() => setRevealed(null), c.settings.revealSeconds * 1000));
    });

  const copy = (reason?: string) =>
    retrieve(reason, (plain) => {
      c.writeRaw(osc52(plain));
      c.flash(
        `copied to your clipboard (OSC 52); cleared in ${c.settings.clipboardClearSeconds} s`,
        'success',
      );
      timers.current.push(
        c.timers.setTimeout(() => c.writeRaw(osc52('')), c.settings.clipboardClearSeconds * 1000),
      );
    });

  const act = (p: Promise<unknown>, done: string) =>
    p
      .then(() => {
        c.flash(done, 'success');
        setReload((n) => n + 1);
      })
      .catch((e: unknown) => c.flash(refusal(e), 'error'));

  /** False (and says so) when the capabilities say she may not; true while they are loading. */
  const permitted = (may: boolean | undefined, what: string) => {
    if (may !== false) return true;
    c.flash(`not permitted: you may not ${what} on ${ref}`, 'error');
    return false;
  };

  useKeys(
    (input, key) => {
      if (prompt.swallow(input, key)) return;
      const cmd = commandOf(['detail', 'keys', 'global'], input, key);
      if (cmd === Command.Back) return nav.back();
      if (cmd === Command.Refresh) return setReload((n) => n + 1);
      if (cmd === Command.Launch) return void launchInPlace(c, ref);
      if (cmd === Command.Reveal) {
        if (!permitted(caps?.reveal, 'retrieve the password')) return;
        return needsReason ? prompt.ask('reveal-reason') : void reveal();
      }
      if (cmd === Command.Copy) {
        if (!permitted(caps?.reveal, 'retrieve the password')) return;
        return needsReason ? prompt.ask('copy-reason') : void copy();
      }
      if (cmd === Command.Favourite)
        return void act(me.explorer.setFavourite(ref, true), `${ref} added to favourites`);
      if (cmd === Command.Request)
        return permitted(caps?.request, 'request access') ? prompt.ask('request-reason') : undefined;
      if (cmd === Command.Checkout)
        return permitted(caps?.checkout, 'check out')
          ? void act(me.access.checkout(ref), `${ref} checked out`)
          : undefined;
      if (cmd === Command.Checkin)
        return permitted(caps?.checkin, 'check in')
          ? void act(me.access.checkin(ref), `${ref} checked in`)
          : undefined;
    },
    { isActive: props.active },
  );

  if (!view) return <Text color={c.theme.muted}>loading {ref} …</Text>;
  const latest = requests[0];
  const field = (name: string, value: React.ReactNode) => (
    <Box key={name}>
      <Box width={20} flexShrink={0}>
        <Text color={c.theme.muted}>{printable(name, 40)}</Text>
      </Box>
      <Text wrap="truncate-end">{typeof value === 'string' ? printable(value, 1000) : value}</Text>
    </Box>
  );
  const custom = Object.entries(view.custom ?? {}).map(([k, v]) =>
    field(k, typeof v === 'object' && v !== null ? '<secret field>' : String(v)),
  );
  return (
    <Box flexDirection="column" height={props.height}>
      <Text bold color={c.theme.accent}>
        {ref}
      </Text>
      {field('Access', view.access)}
      {field('Notes', view.notes || '—')}
      {field(
        'Password',
        revealed !== null ? (
          <Text color={c.theme.warning}>{revealed}</Text>
        ) : (
          <Text color={c.theme.muted}>
            {caps?.reveal === false ? '•••••••• (not permitted)' : '•••••••• (r reveal · y copy)'}
          </Text>
        ),
      )}
      {field('Changed', `${view.passwordChangedAt} by ${view.passwordChangedBy}`)}
      {custom}
      {field(
        'Access request',
        latest
          ? `${describeRequest(latest)}${latest.expiresAt ? ` until ${latest.expiresAt}` : ''} (${latest.id})`
          : 'none',
      )}
      <Text color={c.theme.muted}>
        {caps?.history === false
          ? 'Password history: not permitted'
          : caps
            ? `Password history (${history.length}):`
            : 'Password history: loading …'}
      </Text>
      {history.slice(0, Math.max(0, props.height - 12 - custom.length)).map((h) => (
        <Text key={h.id} color={c.theme.muted} wrap="truncate-end">
          {`  ${h.changedAt}  by ${h.changedBy}  (${h.source})`}
        </Text>
      ))}
      <Box flexGrow={1} />
      {asking ? (
        <Prompt
          early={prompt.early}
          label={asking === 'request-reason' ? 'Reason for the request:' : 'Reason to retrieve the password:'}
          onCancel={() => prompt.close()}
          onSubmit={(reason) => {
            const what = asking;
            prompt.close();
            if (!reason) return c.flash('a reason is required', 'error');
            if (what === 'reveal-reason') void reveal(reason);
            else if (what === 'copy-reason') void copy(reason);
            else void act(me.access.request(ref, reason), `access to ${ref} requested: waiting for approval`);
          }}
        />
      ) : (
        <Text color={c.theme.muted} wrap="truncate-end">
          c connect · r reveal · y copy · f favourite · a request · o check out · i check in · Esc back
        </Text>
      )}
    </Box>
  );
}
