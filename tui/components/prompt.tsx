import { Box, Text, useInput } from 'ink';
import React, { useEffect, useState } from 'react';
import { useConsole } from '../console-context.tsx';

/**
 * A one-line question at the bottom of a screen (a reason, a filter). Enter answers, Esc
 * cancels; while it is open, letters are text, not commands.
 */
export function Prompt(props: {
  label: string;
  initial?: string;
  maxLength?: number;
  onSubmit: (value: string) => void;
  onCancel: () => void;
}) {
  const { theme, setTyping } = useConsole();
  const [value, setValue] = useState(props.initial ?? '');
  useEffect(() => {
    setTyping(true);
    return () => setTyping(false);
  }, [setTyping]);
  useInput((input, key) => {
    if (key.return) return props.onSubmit(value.trim());
    if (key.escape) return props.onCancel();
    if (key.backspace || key.delete) return setValue((v) => v.slice(0, -1));
    if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.tab)
      return;
    const printable = [...input].filter((ch) => ch >= ' ' && ch !== '\x7f').join('');
    if (printable) setValue((v) => (v + printable).slice(0, props.maxLength ?? 200));
  });
  return (
    <Box>
      <Text color={theme.accent}>{props.label} </Text>
      <Text>{value}</Text>
      <Text inverse> </Text>
      <Text color={theme.muted}> (Enter to confirm, Esc to cancel)</Text>
    </Box>
  );
}
