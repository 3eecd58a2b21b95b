import { Box, Text, type Key } from 'ink';
import React, { useEffect, useRef, useState } from 'react';
import { printable } from '../../core/index.ts';
import { useConsole } from '../console-context.tsx';
import { useKeys } from './use-keys.ts';

type KeyEvent = { input: string; key: Key };

/**
 * Opening a prompt is a state change; keys typed right behind the key that opened it (a fast
 * typist, a paste, a slow server) arrive before the prompt is mounted and listening. The screen
 * keeps listening and passes every key to `swallow` first: while a prompt is opening, keys are
 * kept and the prompt replays them when it mounts; while it is open they are the prompt's; once
 * it closes (synchronously, in `close`) the screen has them again, with no gap for a key to fall in.
 */
export function usePrompt<K>() {
  const { promptOpening } = useConsole();
  const [open, setOpen] = useState<K | null>(null);
  const opening = useRef<K | null>(null);
  const early = useRef<KeyEvent[]>([]);
  // Set while the key that asked is still being handled: a prompt opened from another prompt's
  // Enter (a confirmation, then a reason) must not be handed that Enter by the screen's listener.
  const asking = useRef(false);
  return {
    open,
    early,
    ask(kind: K) {
      opening.current = kind;
      promptOpening.current = true;
      early.current = [];
      asking.current = true;
      queueMicrotask(() => {
        asking.current = false;
      });
      setOpen(kind);
    },
    close() {
      opening.current = null;
      promptOpening.current = false;
      setOpen(null);
    },
    swallow(input: string, key: Key): boolean {
      if (opening.current === null) return false;
      if (!asking.current) early.current.push({ input, key });
      return true;
    },
  };
}

/**
 * A one-line question at the bottom of a screen (a reason, a filter). Enter answers, Esc
 * cancels; while it is open, letters are text, not commands.
 */
export function Prompt(props: {
  label: string;
  initial?: string;
  maxLength?: number;
  early?: React.RefObject<KeyEvent[]>;
  onSubmit: (value: string) => void;
  onCancel: () => void;
}) {
  const { theme, setTyping } = useConsole();
  const [value, setValueState] = useState(props.initial ?? '');
  // Keys that arrive together are handled before React re-renders: the ref, not the rendered
  // state, is the text so far (Enter right after the last letter must see that letter).
  const current = useRef(value);
  const done = useRef(false);
  const setValue = (f: (v: string) => string) => {
    current.current = f(current.current);
    setValueState(current.current);
  };
  const handle = (input: string, key: Key) => {
    if (done.current) return;
    if (key.return) {
      done.current = true;
      return props.onSubmit(current.current.trim());
    }
    if (key.escape) {
      done.current = true;
      return props.onCancel();
    }
    if (key.backspace || key.delete) return setValue((v) => v.slice(0, -1));
    if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.tab)
      return;
    const printable = [...input].filter((ch) => ch >= ' ' && ch !== '\x7f').join('');
    if (printable) setValue((v) => (v + printable).slice(0, props.maxLength ?? 200));
  };
  useEffect(() => {
    setTyping(true);
    for (const e of props.early?.current?.splice(0) ?? []) handle(e.input, e.key);
    return () => setTyping(false);
    // Once, on mount: the keys that arrived while the prompt was opening.
  }, []);
  useKeys(handle);
  return (
    <Box>
      <Text color={theme.accent}>{printable(props.label, 200)} </Text>
      <Text>{value}</Text>
      <Text inverse> </Text>
      <Text color={theme.muted}> (Enter to confirm, Esc to cancel)</Text>
    </Box>
  );
}
