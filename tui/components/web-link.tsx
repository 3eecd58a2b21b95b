import { Box, Text } from 'ink';
import React, { useCallback, useEffect, useRef, useState } from 'react';
import { printable, webLinkUrl, WEB_LINK_TTL_MS } from '../../core/index.ts';
import { refusal, useConsole, type ConsoleState } from '../console-context.tsx';

/** Said instead of a link when this node has no web listener to open it on. */
export const NO_WEB_LISTENER =
  'no web listener is running on this node: browser links need `custody server --web-port N`';

export interface ShownLink {
  url: string;
  /** What the link opens, in words ("replay rec-1 in a browser"). */
  what: string;
}

/**
 * A one-time link (core's web links, as `custody web link PATH` makes them) for the signed-in
 * operator, or null after saying on the status line why there is none: no web listener on this
 * node, or core's refusal.
 */
export async function makeWebLink(c: ConsoleState, landingPath: string): Promise<string | null> {
  const address = c.session.webAddress?.();
  if (!address) {
    c.flash(NO_WEB_LISTENER, 'error');
    return null;
  }
  try {
    return webLinkUrl(address, (await c.me.webLinks.create(landingPath)).token);
  } catch (e) {
    c.flash(refusal(e), 'error');
    return null;
  }
}

/**
 * A screen's browser link: `show(path, what)` makes one and keeps it on screen (two lines) for as
 * long as it can be used, 60 s; `lines` is how many rows it takes now (the screen's list gives
 * them up).
 */
export function useWebLink() {
  const c = useConsole();
  const [shown, setShown] = useState<ShownLink | null>(null);
  const timer = useRef<unknown>(undefined);
  useEffect(() => () => c.timers.clearTimeout(timer.current), [c.timers]);
  const show = useCallback(
    async (landingPath: string, what: string) => {
      const url = await makeWebLink(c, landingPath);
      if (!url) return;
      c.timers.clearTimeout(timer.current);
      setShown({ url, what });
      // Past its validity the link is of no use: it leaves the screen when it expires.
      timer.current = c.timers.setTimeout(() => setShown(null), WEB_LINK_TTL_MS);
    },
    [c],
  );
  const view = () => (shown ? <WebLinkView link={shown} user={c.session.actor.user.username} /> : null);
  return { show, view, lines: shown ? 2 : 0 };
}

function WebLinkView(props: { link: ShownLink; user: string }) {
  const { theme } = useConsole();
  return (
    <Box flexDirection="column">
      <Text color={theme.accent} wrap="truncate-end">
        {`${props.link.what}: open within ${WEB_LINK_TTL_MS / 1000} s, once (signs in as ${printable(props.user, 40)})`}
      </Text>
      <Text bold>{props.link.url}</Text>
    </Box>
  );
}
