import type { IncomingMessage } from 'node:http';
import { UsageError } from '../../core/index.ts';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a request body of at most `limit` bytes and parses it by its Content-Type: JSON, or an
 * HTML form (as an object of strings). Refuses before reading on a declared length over the
 * limit, and stops reading (without buffering the rest) once the limit is passed.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.destroy();
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const raw = Buffer.concat(chunks).toString('utf8');
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new UsageError('the request body is not valid JSON', { reason: 'malformed-json' });
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    const form: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(raw)) form[k] = v;
    return form;
  }
  throw new UsageError('the request body must be application/json or an HTML form', {
    reason: 'content-type',
  });
}

function tooLarge(limit: number): UsageError {
  return new UsageError(`the request body is larger than ${limit} bytes`, { reason: 'too-large', limit });
}
