/**
 * Runs `fn` over `items` with at most `limit` in flight, in order of the list; results keep the
 * list's order. Bulk verification and rotation use it: each item is one remote login, so a
 * small bound keeps the targets (and sshd's MaxStartups) from being flooded.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
