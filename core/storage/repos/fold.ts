/**
 * Case folding for comparisons the database makes: exactly what the JavaScript rules compare
 * (`toLowerCase`), stored beside the original text so SQL can compare it byte for byte.
 */
export function fold(text: string): string {
  return text.toLowerCase();
}

export function foldOrNull(text: string | null): string | null {
  return text === null ? null : fold(text);
}
