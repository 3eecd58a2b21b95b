// The viewer's script, built once per process from web/rdp/viewer.ts with esbuild: one file for
// the browser holding the viewer, the wire protocol and the bitmap decoder, so the page runs the
// very modules the gateway runs. Served from this origin (the CSP allows no other and nothing
// inline); built on first request and kept.
import path from 'node:path';
import { build } from 'esbuild';
import { REPOSITORY_ROOT } from '../../../core/index.ts';

let bundle: Promise<Buffer> | undefined;

export function viewerScript(): Promise<Buffer> {
  bundle ??= build({
    entryPoints: [path.join(REPOSITORY_ROOT, 'web', 'rdp', 'viewer.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  }).then(
    (r) => Buffer.from(r.outputFiles[0]!.contents),
    (e: unknown) => {
      bundle = undefined;
      throw e;
    },
  );
  return bundle;
}
