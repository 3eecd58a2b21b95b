/**
 * Sent on every response, errors and redirects included. The content security policy allows
 * this origin's own scripts, styles and sockets, plus `'wasm-unsafe-eval'` because
 * asciinema-player runs its terminal emulator as WebAssembly; nothing inline, nothing from
 * another origin, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'strict-transport-security': 'max-age=31536000',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Pages carry a CSRF token and signed-in content: never kept by a shared or browser cache.
  'cache-control': 'no-store',
});
