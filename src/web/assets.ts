/**
 * The tablet scripts, bundled at start with esbuild from src/client/ (which imports src/scoring/, so the
 * tablet computes scores with the server's code) and served from memory under /static/js/. The service
 * worker is bundled the same way but served by routes/offline.ts at /sw.js (its scope must be the root).
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';

const ENTRIES = {
  'sheet.js': '../client/sheet.ts',
  'offline.js': '../client/offline-page.ts',
  'sw.js': '../client/sw.ts',
  'record.js': '../client/record.ts',
} as const;

/** served by their own route, not under /static/js/ */
const OWN_ROUTE = new Set(['sw.js']);

export interface AssetFile {
  code: string;
  etag: string;
}

export interface ClientAssets {
  handler: RequestHandler;
  /** file name → URL with a content hash, for cache busting */
  urls: Record<string, string>;
  /** a bundled file by name (the service worker's route serves it) */
  file(name: string): AssetFile | undefined;
}

export async function buildClientAssets(): Promise<ClientAssets> {
  const files = new Map<string, AssetFile>();
  const urls: Record<string, string> = {};
  for (const [name, entry] of Object.entries(ENTRIES)) {
    const result = await build({
      entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
      bundle: true,
      write: false,
      format: 'iife',
      target: ['chrome90', 'safari14'],
      minify: true,
      legalComments: 'none',
    });
    const code = result.outputFiles[0]!.text;
    const etag = createHash('sha256').update(code).digest('hex').slice(0, 16);
    files.set(name, { code, etag });
    if (!OWN_ROUTE.has(name)) urls[name] = `/static/js/${name}?v=${etag}`;
  }
  const handler: RequestHandler = (req, res, next) => {
    const name = req.path.replace(/^\//, '');
    const file = OWN_ROUTE.has(name) ? undefined : files.get(name);
    if (!file) return next();
    res.type('application/javascript');
    res.setHeader('ETag', `"${file.etag}"`);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.send(file.code);
  };
  return { handler, urls, file: (name) => files.get(name) };
}
