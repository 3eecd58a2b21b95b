import { Box, Text } from 'ink';
import { printable } from '../../core/index.ts';
import React, { useState } from 'react';
import { useConsole } from '../console-context.tsx';
import { Command } from '../keys.ts';

/**
 * A list that renders only the rows in view: with 100,000 accounts the frame still holds ~20
 * rows, so drawing cost does not grow with the list. Memoised: a screen redrawn for a keystroke
 * elsewhere (its search line) skips the list when the list's props are the same.
 */
export const VirtualList = React.memo(function VirtualList(props: {
  count: number;
  selected: number;
  height: number;
  row: (index: number) => string;
  empty: string;
  muted?: (index: number) => boolean;
}) {
  const { theme } = useConsole();
  const height = Math.max(1, props.height);
  if (props.count === 0)
    return (
      <Box height={height}>
        <Text color={theme.muted}>{props.empty}</Text>
      </Box>
    );
  const top = Math.min(
    Math.max(0, props.selected - Math.floor(height / 2)),
    Math.max(0, props.count - height),
  );
  const rows: React.ReactNode[] = [];
  for (let i = top; i < Math.min(props.count, top + height); i++) {
    // Rows carry names, reasons and details someone else chose: no control character reaches
    // the terminal from them (a row's own layout never needs one).
    const text = printable(props.row(i), 1000);
    const sel = i === props.selected;
    rows.push(
      <Text
        key={i}
        wrap="truncate-end"
        color={sel ? theme.selection.color : props.muted?.(i) ? theme.muted : undefined}
        backgroundColor={sel ? theme.selection.backgroundColor : undefined}
        inverse={sel && theme.selection.inverse}
      >
        {(sel ? '› ' : '  ') + text}
      </Text>,
    );
  }
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      {rows}
    </Box>
  );
});

/** Cursor movement for a list of `count` rows shown `page` at a time. */
export function useCursor(
  count: number,
  page: number,
): [number, (c: Command | undefined) => boolean, (i: number) => void] {
  const [index, setIndex] = useState(0);
  const clamped = Math.min(index, Math.max(0, count - 1));
  // Keys that arrive together are handled before the next render: each move starts from the
  // previous move's result (a functional update), not from the index last drawn.
  const move = (c: Command | undefined): boolean => {
    const last = Math.max(0, count - 1);
    const step = Math.max(1, page - 1);
    const next = (i: number) =>
      c === Command.Up
        ? i - 1
        : c === Command.Down
          ? i + 1
          : c === Command.PageUp
            ? i - step
            : c === Command.PageDown
              ? i + step
              : c === Command.Home
                ? 0
                : c === Command.End
                  ? last
                  : undefined;
    if (next(0) === undefined) return false;
    setIndex((i) => Math.min(Math.max(0, next(Math.min(i, last))!), last));
    return true;
  };
  return [clamped, move, setIndex];
}
