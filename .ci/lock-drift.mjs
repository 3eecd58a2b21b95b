#!/usr/bin/env node
// Reads the output of a failed `npm ci` (a file path as the first argument) and the project's
// package-lock.json, and decides whether the refusal is only about optional platform packages.
//
// Why: npm ci refuses a lock file that does not list every optional platform build the registry
// serves for a dependency (rollup, esbuild, … publish one package per OS/CPU). Whether a registry
// serves them changes over time, and no install on THIS platform ever uses a foreign build, so a
// lock written when the registry served more, or fewer, of them is not real drift. Anything else
// — a missing regular dependency, an `Invalid:` version, a different error — is real drift and
// must fail the run.
//
// Exit codes: 0 = only optional platform packages differ (CI may install from the lock with
// `npm install --no-save`); 1 = real drift or another error (CI must fail); 2 = usage.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export function classifyNpmCiFailure(logText, lock) {
  const lines = logText.split(/\r?\n/);
  if (
    !lines.some((l) => l.includes('can only install packages when your package.json and package-lock.json'))
  ) {
    return { optionalOnly: false, reason: 'npm ci failed for another reason than lock-file sync' };
  }
  if (lines.some((l) => /\bInvalid: /.test(l))) {
    return { optionalOnly: false, reason: 'the lock file pins a version package.json does not accept' };
  }
  const optionalNames = optionalDependencyNames(lock);
  const missing = [];
  for (const line of lines) {
    const m = /Missing: (.+?)@([^@\s]*) from lock file/.exec(line);
    if (m) missing.push(m[1]);
  }
  if (missing.length === 0) {
    return { optionalOnly: false, reason: 'npm ci reported no missing package it could be about' };
  }
  const regular = missing.filter((name) => !optionalNames.has(name));
  if (regular.length > 0) {
    return { optionalOnly: false, reason: `not optional platform packages: ${regular.join(', ')}` };
  }
  return { optionalOnly: true, reason: `only optional platform packages: ${missing.length}` };
}

// Every name some locked package declares under optionalDependencies, plus every locked package
// that is itself marked optional with an os/cpu restriction.
function optionalDependencyNames(lock) {
  const names = new Set();
  for (const [path, pkg] of Object.entries(lock.packages ?? {})) {
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) names.add(name);
    if (path && pkg.optional && (pkg.os || pkg.cpu)) names.add(path.replace(/^.*node_modules\//, ''));
  }
  return names;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const logPath = process.argv[2];
  if (!logPath) {
    console.error('usage: lock-drift.mjs NPM_CI_LOG');
    process.exit(2);
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  let verdict;
  try {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    verdict = classifyNpmCiFailure(readFileSync(logPath, 'utf8'), lock);
  } catch (e) {
    verdict = { optionalOnly: false, reason: `cannot read the log or the lock file: ${e.message}` };
  }
  console.error(`lock drift: ${verdict.reason}`);
  process.exit(verdict.optionalOnly ? 0 : 1);
}
