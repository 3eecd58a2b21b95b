import { Box, Text } from 'ink';
import React from 'react';
import { useConsole } from '../console-context.tsx';
import { helpRows, type Scope } from '../keys.ts';

/** `?` / F1: the bindings that work here, straight from the key table. */
export function HelpOverlay(props: { scopes: readonly Scope[]; height: number }) {
  const { theme } = useConsole();
  const rows = helpRows([...props.scopes, 'global']);
  const fit = rows.slice(0, Math.max(1, props.height - 3));
  return (
    <Box
      flexDirection="column"
      borderStyle="round"
      borderColor={theme.accent}
      paddingX={1}
      height={props.height}
    >
      <Text bold>Keys here (any key closes this help)</Text>
      {fit.map((r) => (
        <Text key={r.label + r.help} wrap="truncate-end">
          <Text color={theme.accent}>{r.label.padEnd(10)}</Text>
          {r.help}
        </Text>
      ))}
      {fit.length < rows.length ? (
        <Text color={theme.muted}>… make the window taller for the rest</Text>
      ) : null}
    </Box>
  );
}
