import { Box, Text } from 'ink';
import React from 'react';
import { printable, webLinkUrl, WEB_LINK_TTL_MS } from '../../core/index.ts';
import { refusal, useConsole, type ConsoleState } from '../console-context.tsx';

/** Said instead of a link when this node has no web listener to open it on. */
export const NO_WEB_LISTENER =
  'no web listener is running on this node: browser links need `custody server --web-port N`';

export interface ShownLink {
  url: string;
  /** What the link opens, in words ("Replay rec-1 in a browser"). */
  what: string;
}

/**
 * A one-time link (core's web links, as `custody web link PATH` makes them) for the signed-in
 * operator, or null after saying on the status line why there is none: no web listener on this
 * node, or core's refusal.
 */
export async function makeWebLink(
  c: Pick<ConsoleState, 'session' | 'me' | 'flash'>,
  landingPath: string,
): Promise<string | null> {
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

/** The rows the panel takes above the status line while a link is shown. */
export const WEB_LINK_ROWS = 2;

/** The link on its own line (nothing truncates it, so it can be copied whole), with its rules. */
export function WebLinkPanel(props: { link: ShownLink; user: string }) {
  const { theme } = useConsole();
  return (
    <Box flexDirection="column" height={WEB_LINK_ROWS} overflow="hidden">
      <Text color={theme.accent} wrap="truncate-end">
        {`${props.link.what}: open within ${WEB_LINK_TTL_MS / 1000} s, once (signs in as ${printable(props.user, 40)})`}
      </Text>
      <Text bold>{props.link.url}</Text>
    </Box>
  );
}
