// A stand-in for a site's password-quality validator, run by the command quality exit.
// Usage: node quality-exit-stub.mjs MODE RECORD_FILE
//   MODE accept | deny-dictionary (deny passwords containing "password") | slow (never answers in time)
// It records what it could see (its argv, its environment, what came on stdin) to RECORD_FILE so
// tests can check the password reached it only through standard input.
import { appendFileSync } from 'node:fs';

const [mode, record] = process.argv.slice(2);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const req = JSON.parse(input);
  appendFileSync(record, JSON.stringify({ argv: process.argv, env: process.env, stdin: req }) + '\n');
  if (mode === 'slow') {
    setTimeout(() => process.exit(0), 30_000);
    return;
  }
  if (mode === 'deny-dictionary' && /password/i.test(req.password)) {
    process.stdout.write('contains the dictionary word "password"\n');
    process.exit(1);
  }
  process.stdout.write('looks fine\n');
  process.exit(0);
});
