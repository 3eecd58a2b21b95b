/** "1 account", "2 accounts", "0 accounts": a count with its word (plural by a trailing s unless given). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
