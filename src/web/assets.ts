/**
 * The tablet scripts, bundled at start with esbuild from src/client/ (which imports src/scoring/, so the
 * tablet computes scores with the server's code) and served from memory under /static/js/.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';

const ENTRIES = { 'sheet.js': '../client/sheet.ts' } as const;

export interface ClientAssets {
  handler: RequestHandler;
  /** file name → URL with a content hash, for cache busting */
  urls: Record<string, string>;
}

export async function buildClientAssets(): Promise<ClientAssets> {
  const files = new Map<string, { code: string; etag: string }>();
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
    urls[name] = `/static/js/${name}?v=${etag}`;
  }
  const handler: RequestHandler = (req, res, next) => {
    const file = files.get(req.path.replace(/^\//, ''));
    if (!file) return next();
    res.type('application/javascript');
    res.setHeader('ETag', `"${file.etag}"`);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.send(file.code);
  };
  return { handler, urls };
}
