/**
 * The photo worker thread: checks and keeps uploads (storePhoto) and makes display versions and
 * thumbnails (renderVersions), so the event loop that serves every request is not also the one that
 * waits for decoders, hashes and disks. Messages in: { id, op, args }; out: { id, ok } or { id, error }.
 * `heap` answers the thread's heap limit in bytes (tests: off-thread.ts's limits hold).
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { PhotoRejected, renderVersions, storePhoto, WatermarkFontMissing, type Watermark } from './store.ts';

export type WorkerRequest =
  | { id: number; op: 'store'; uploadDir: string; buf: Uint8Array; watermark: Watermark }
  | {
      id: number;
      op: 'render';
      uploadDir: string;
      photo: { sha256: string; displayKey: string; caption: string[] | null };
    }
  | { id: number; op: 'heap' };

export interface WorkerError {
  kind: 'rejected' | 'font' | 'other';
  message: string;
  status: number;
}

function describe(err: unknown): WorkerError {
  if (err instanceof PhotoRejected) return { kind: 'rejected', message: err.message, status: err.status };
  if (err instanceof WatermarkFontMissing) return { kind: 'font', message: err.message, status: 500 };
  return { kind: 'other', message: (err as Error)?.message ?? String(err), status: 500 };
}

// the background lane (off-thread.ts): this thread alone at nice 19, so its work takes only CPU time no
// request wants; /proc/thread-self names the thread's own id, which Linux's setpriority takes
if ((workerData as { lowPriority?: boolean } | null)?.lowPriority) {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 19);
  } catch {
    /* not Linux: off-thread.ts sends no background work here */
  }
}

parentPort!.on('message', (req: WorkerRequest) => {
  if (req.op === 'heap') {
    parentPort!.postMessage({ id: req.id, ok: getHeapStatistics().heap_size_limit });
    return;
  }
  const work =
    req.op === 'store'
      ? storePhoto(
          req.uploadDir,
          Buffer.from(req.buf.buffer, req.buf.byteOffset, req.buf.byteLength),
          req.watermark,
        )
      : renderVersions(req.uploadDir, req.photo).then(() => null);
  work.then(
    (ok) => parentPort!.postMessage({ id: req.id, ok }),
    (err: unknown) => parentPort!.postMessage({ id: req.id, error: describe(err) }),
  );
});
