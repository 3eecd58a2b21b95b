/**
 * Browser scripts built from the repository's TypeScript with esbuild, once per process and kept:
 * the RDP bitmap decoder (protocols/rdp/codec/index.ts) alone, as the global `CustodyRdpCodec`,
 * and any page script that imports it (the recording player, the viewer), so the browser runs
 * the very decoder the gateway runs. Served from this origin only: the CSP allows no other and
 * nothing inline. A failed build is not kept, so the next request tries again.
 */
import path from 'node:path';
import { build } from 'esbuild';
import { REPOSITORY_ROOT } from '../../../core/index.ts';

const built = new Map<string, Promise<Buffer>>();

/** `entry` (relative to the repository) bundled for the browser as one self-contained script. */
export function browserBundle(entry: string, globalName?: string): Promise<Buffer> {
  const key = `${entry}\0${globalName ?? ''}`;
  let bundle = built.get(key);
  if (!bundle) {
    bundle = build({
      entryPoints: [path.join(REPOSITORY_ROOT, entry)],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'iife',
      ...(globalName ? { globalName } : {}),
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    }).then(
      (r) => Buffer.from(r.outputFiles[0]!.contents),
      (e: unknown) => {
        built.delete(key);
        throw e;
      },
    );
    built.set(key, bundle);
  }
  return bundle;
}

/** The decoder alone: `window.CustodyRdpCodec.Framebuffer`, `decodeBitmap`, … */
export function rdpCodecBundle(): Promise<Buffer> {
  return browserBundle('protocols/rdp/codec/index.ts', 'CustodyRdpCodec');
}

/** The desktop recording player's page script (web/rdp/player.ts, with the decoder inside). */
export function desktopPlayerBundle(): Promise<Buffer> {
  return browserBundle('web/rdp/player.ts');
}
