import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// .ci/run falls back from `npm ci` to `npm install --no-save` only when .ci/lock-drift.mjs says the
// refusal is about optional platform packages alone. These cases are npm 11's own wording.
const script = join(import.meta.dirname, '..', '..', '.ci', 'lock-drift.mjs');
const header = [
  'npm error code EUSAGE',
  'npm error',
  'npm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.',
  'npm error',
];

function verdict(lines: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'lock-drift-'));
  const log = join(dir, 'npm-ci.log');
  writeFileSync(log, lines.join('\n'));
  try {
    execFileSync(process.execPath, [script, log], { stdio: 'pipe' });
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
}

describe('the CI lock-drift check', () => {
  it('lets a registry that now serves more rollup platform builds through (versions given)', () => {
    expect(
      verdict([
        ...header,
        'npm error Missing: @rollup/rollup-android-arm-eabi@4.68.7 from lock file',
        'npm error Missing: @rollup/rollup-win32-x64-msvc@4.68.7 from lock file',
      ]),
    ).toBe(0);
  });

  it('lets optional platform packages with an empty version through (a registry serving fewer)', () => {
    expect(verdict([...header, 'npm error Missing: @esbuild/android-arm64@ from lock file'])).toBe(0);
  });

  it('fails loudly on a missing regular dependency, even beside optional ones', () => {
    expect(
      verdict([
        ...header,
        'npm error Missing: @rollup/rollup-android-arm64@4.68.7 from lock file',
        'npm error Missing: left-pad@1.3.0 from lock file',
      ]),
    ).toBe(1);
  });

  it('fails on an Invalid: version', () => {
    expect(
      verdict([
        ...header,
        "npm error Invalid: lock file's ssh2@1.0.0 does not satisfy ssh2@^1.17.0",
        'npm error Missing: @rollup/rollup-android-arm64@4.68.7 from lock file',
      ]),
    ).toBe(1);
  });

  it('fails on any other npm ci error', () => {
    expect(verdict(['npm error code E404', 'npm error 404 Not Found - GET https://example.invalid/x'])).toBe(
      1,
    );
  });
});
