import { Box, Text } from 'ink';
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { plural } from '../../core/index.ts';
import { refusal, useConsole, useNavigation } from '../console-context.tsx';
import { useCursor, VirtualList } from '../components/virtual-list.tsx';
import { Command, commandOf } from '../keys.ts';
import { AccountPages, type AccountRow } from '../model/account-pages.ts';
import { launchInPlace } from './launch.ts';
import { useKeys } from '../components/use-keys.ts';

/**
 * The explorer's views (Favourites, All, Recent, the group tree). It opens on Favourites when the
 * user has some, on All otherwise (a new user has none and would see an empty screen).
 */
const VIEWS = ['Favourites', 'All', 'Recent', 'Groups'] as const;
type View = (typeof VIEWS)[number];

interface Row {
  label: string;
  ref?: string;
  /** A group node (Groups view). */
  group?: string;
  muted?: boolean;
}

function entryRow(e: AccountRow): Row {
  return { ref: e.ref, label: [e.ref, e.dnsName, e.description].filter(Boolean).join('   ') };
}

/**
 * The password explorer: views, type-to-search (every printable key goes to the search line),
 * Enter opens the account, Ctrl-O connects, Ctrl-F marks a favourite.
 */
export function ExplorerScreen(props: { height: number; active: boolean }) {
  const c = useConsole();
  const nav = useNavigation();
  const { me } = c;
  // null until the user's favourites are known (which view to open on).
  const [view, setViewState] = useState<View | null>(null);
  const setView = setViewState as (v: View | ((v: View) => View)) => void;
  const [search, setSearch] = useState('');
  // A view's rows: a short list (Favourites, Recent, Groups), or the pages of an account search.
  const [rows, setRows] = useState<Row[] | null>(null);
  const [pages, setPages] = useState<AccountPages | null>(null);
  // Bumped when a page arrives: the rows drawn change although `pages` is the same object.
  const [pagesLoaded, setPagesLoaded] = useState(0);
  const [group, setGroup] = useState<{ name: string } | null>(null);
  const [reload, setReload] = useState(0);
  const searching = useRef<Promise<AccountPages> | null>(null);
  const listHeight = Math.max(1, props.height - 3);
  const count = pages ? pages.total : (rows?.length ?? 0);
  const [cursor, move, setCursor] = useCursor(count, listHeight);
  const rowAt = useCallback(
    (i: number): Row | undefined => {
      if (!pages) return rows?.[i];
      const e = pages.at(i);
      return e ? entryRow(e) : undefined;
    },
    // pagesLoaded is not read, but a new page must give new row functions (see above).
    [pages, rows, pagesLoaded],
  );
  // Stable between keystrokes, so typing redraws the search line and not the list under it.
  const rowLabel = useCallback((i: number) => rowAt(i)?.label ?? '…', [rowAt]);
  const rowMuted = useCallback((i: number) => !!rowAt(i)?.muted, [rowAt]);

  useEffect(() => {
    let gone = false;
    me.explorer
      .favourites()
      .then((favs) => !gone && setViewState((v) => v ?? (favs.length ? 'Favourites' : 'All')))
      .catch(() => !gone && setViewState((v) => v ?? 'All'));
    return () => {
      gone = true;
    };
  }, [me]);

  // The data of the view. An account search (All, an open group, or typing from Favourites or
  // Recent) asks the core for its first page only after the keystroke has been drawn, and a newer
  // keystroke drops an older search's answer. (The Groups view's search still looks for group names.)
  const searchingAll = search.trim() !== '' && view !== 'All' && view !== 'Groups' && !group;
  useEffect(() => {
    if (view === null) return;
    let stale = false;
    const needle = search.trim().toLowerCase();
    const show = (r: Row[] | null, p: AccountPages | null = null) => {
      if (stale) return;
      setRows(r);
      setPages(p);
    };
    const run = async () => {
      if (view === 'All' || group || (needle && view !== 'Groups')) {
        await new Promise((r) => setImmediate(r));
        // One search in flight per console: keys typed meanwhile wait for it, and only the newest
        // of them asks next, so fast typing never queues a search per key on the database.
        while (searching.current) await searching.current.catch(() => undefined);
        if (stale) return;
        const asked = AccountPages.open(me, { search, ...(group ? { group: group.name } : {}) });
        searching.current = asked;
        try {
          show(null, await asked);
        } finally {
          if (searching.current === asked) searching.current = null;
        }
      } else if (view === 'Favourites') {
        const favs = await me.explorer.favourites();
        show(
          favs.map((f) => ({
            ref: f.ref,
            label: f.accessible ? f.ref : `${f.ref}   (no longer shared with you)`,
            muted: !f.accessible,
          })),
        );
      } else if (view === 'Recent') {
        show((await me.explorer.recent()).map((ref) => ({ ref, label: ref })));
      } else {
        const out: Row[] = [];
        const walk = (nodes: Awaited<ReturnType<typeof me.explorer.tree>>, depth: number) => {
          for (const n of nodes) {
            if (!needle || n.name.toLowerCase().includes(needle))
              out.push({
                label: `${'  '.repeat(depth)}${n.children.length ? '▸ ' : '  '}${n.name}`,
                group: n.group,
                muted: !n.visible || !n.group,
              });
            walk(n.children, depth + 1);
          }
        };
        walk(await me.explorer.tree(), 0);
        show(out);
      }
    };
    run().catch((e: unknown) => {
      if (!stale) {
        show([]);
        c.flash(refusal(e), 'error');
      }
    });
    return () => {
      stale = true;
    };
    // c.flash is stable for the console's life, so it is not a dependency.
  }, [view, search, group, reload, me]);

  // Scrolling through an account search loads the pages around the cursor, then redraws.
  useEffect(() => {
    if (!pages) return;
    let gone = false;
    pages
      .ensure(cursor - listHeight, cursor + listHeight)
      .then((loaded) => loaded && !gone && setPagesLoaded((n) => n + 1))
      .catch((e: unknown) => !gone && c.flash(refusal(e), 'error'));
    return () => {
      gone = true;
    };
  }, [pages, cursor, listHeight]);

  const selected = rowAt(cursor);
  // While a search is being typed, '?' and the other letters are text, not commands.
  const { setTyping } = c;
  useEffect(() => {
    setTyping(search !== '' ? 'search' : false);
    return () => setTyping(false);
  }, [search, setTyping]);

  useKeys(
    (input, key) => {
      const cmd = commandOf(['explorer', 'list', 'global'], input, key);
      if (move(cmd)) return;
      if (cmd === Command.NextView || cmd === Command.PrevView) {
        const step = cmd === Command.NextView ? 1 : VIEWS.length - 1;
        setView((v) => VIEWS[(VIEWS.indexOf(v ?? 'Favourites') + step) % VIEWS.length]!);
        setGroup(null);
        setCursor(0);
        return;
      }
      if (cmd === Command.Back) {
        if (search) setSearch('');
        else if (group) setGroup(null);
        setCursor(0);
        return;
      }
      if (cmd === Command.Refresh) {
        setReload((n) => n + 1);
        return;
      }
      if (cmd === Command.Open && selected) {
        if (selected.ref) return nav.open({ screen: 'detail', ref: selected.ref });
        if (selected.group) {
          setGroup({ name: selected.group });
          setSearch('');
          setCursor(0);
        }
        return;
      }
      if (cmd === Command.Launch && selected?.ref) {
        void launchInPlace(c, selected.ref);
        return;
      }
      if (cmd === Command.Favourite && selected?.ref) {
        const ref = selected.ref;
        const on = view !== 'Favourites' || searchingAll;
        me.explorer
          .setFavourite(ref, on)
          .then(() => {
            c.flash(on ? `${ref} added to favourites` : `${ref} removed from favourites`, 'success');
            setReload((n) => n + 1);
          })
          .catch((e: unknown) => c.flash(refusal(e), 'error'));
        return;
      }
      if (key.backspace || key.delete) {
        setSearch((s) => s.slice(0, -1));
        setCursor(0);
        return;
      }
      if (key.ctrl || key.meta || key.tab || key.return || key.escape) return;
      const printable = [...input].filter((ch) => ch >= ' ' && ch !== '\x7f').join('');
      if (printable && !(printable === '?' && !search)) {
        setSearch((s) => (s + printable).slice(0, 100));
        setCursor(0);
      }
    },
    { isActive: props.active },
  );

  const heading = group ? `Group ${group.name}` : searchingAll ? 'All accounts' : (view ?? '');
  const loading = rows === null && pages === null;
  const shownCount = loading ? '…' : pages ? plural(pages.total, 'account') : plural(count, 'row');
  const viewBar = useMemo(
    () =>
      VIEWS.map((v) => (
        <Text
          key={v}
          bold={v === view}
          color={v === view ? c.theme.accent : c.theme.muted}
          inverse={v === view && !c.theme.accent}
        >
          {` ${v} `}
        </Text>
      )),
    [view, c.theme],
  );
  return (
    <Box flexDirection="column" height={props.height}>
      <Box height={1} overflow="hidden">
        {viewBar}
        <Text color={c.theme.muted} wrap="truncate-end">
          {'  ← → views'}
        </Text>
      </Box>
      <Box height={1} overflow="hidden">
        <Box flexShrink={0}>
          <Text color={c.theme.accent}>Search: </Text>
        </Box>
        <Text>{search}</Text>
        <Text inverse> </Text>
        <Text color={c.theme.muted} wrap="truncate-end">
          {search ? '' : '  type to search resource, account, description, DNS name'}
        </Text>
      </Box>
      <Text
        color={c.theme.muted}
        wrap="truncate-end"
      >{`${heading} · ${shownCount}${loading ? ' loading' : ''}`}</Text>
      <VirtualList
        count={loading ? 0 : count}
        selected={cursor}
        height={listHeight}
        row={rowLabel}
        muted={rowMuted}
        empty={
          loading
            ? 'loading…'
            : view === 'Favourites' && !search
              ? 'No favourites yet: → for All, then Ctrl-F on an account to add it.'
              : 'Nothing matches.'
        }
      />
    </Box>
  );
}
