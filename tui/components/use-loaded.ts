import { useEffect, useState } from 'react';
import { refusal, useConsole } from '../console-context.tsx';

/**
 * What a screen lists: `load` runs whenever `deps` change; a result that arrives after newer
 * deps is dropped, and a refusal shows as an empty list with its one-line message. `null` while
 * the first load runs.
 */
export function useLoaded<T>(load: () => Promise<T[]>, deps: readonly unknown[]): T[] | null {
  const { flash } = useConsole();
  const [rows, setRows] = useState<T[] | null>(null);
  useEffect(() => {
    let stale = false;
    load().then(
      (r) => {
        if (!stale) setRows(r);
      },
      (e: unknown) => {
        if (stale) return;
        setRows([]);
        flash(refusal(e), 'error');
      },
    );
    return () => {
      stale = true;
    };
    // `load` is a new closure on every render; `deps` say when it means something new.
  }, deps);
  return rows;
}
