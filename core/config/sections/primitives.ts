import { z } from 'zod';

/**
 * Value shapes shared by several configuration tables (ports, hosts, paths, regular expressions).
 * Its own file so every section file uses the same definitions instead of copying them.
 */
export const port = z.number().int().min(0).max(65535);
export const host = z.string().min(1);
export const nonEmptyPath = z.string().min(1);
export const regex = z
  .string()
  .min(1)
  .max(500)
  .refine(
    (v) => {
      try {
        new RegExp(v, 'i');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a valid regular expression' },
  );
