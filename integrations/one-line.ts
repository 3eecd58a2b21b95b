/** A fetch failure as one short line that never quotes a request body. */
export function oneLine(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (err?.cause?.code) return `cannot connect (${err.cause.code})`;
  return String(err?.message ?? e)
    .split('\n')[0]!
    .slice(0, 200);
}
