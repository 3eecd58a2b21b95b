import { useInput, type Key } from 'ink';
import { useRef } from 'react';

/**
 * `useInput` with the handler of the latest render. Ink re-subscribes a new handler in an effect,
 * which runs after the frame is drawn: a key that arrives in between (a fast typist, a loaded
 * server) would reach the previous render's handler and act on stale rows. Here the subscription
 * is stable and reads the handler from a ref the render itself updates.
 */
export function useKeys(
  handler: (input: string, key: Key) => void,
  options: { isActive?: boolean } = {},
): void {
  const latest = useRef(handler);
  latest.current = handler;
  useInput((input, key) => latest.current(input, key), options);
}
