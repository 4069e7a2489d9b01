/**
 * The photo worker thread: checks and keeps uploads (storePhoto) and makes display versions and
 * thumbnails (renderVersions), so the event loop that serves every request is not also the one that
 * waits for decoders, hashes and disks. Messages in: { id, op, args }; out: { id, ok } or { id, error }.
 * A small upload's display version and thumbnail are made here right after its answer, from the decode
 * that checked it (keepPhoto).
 */
import { parentPort } from 'node:worker_threads';
import { keepPhoto, PhotoRejected, renderVersions, WatermarkFontMissing, type Watermark } from './store.ts';

export type WorkerRequest =
  | { id: number; op: 'store'; uploadDir: string; buf: Uint8Array; watermark: Watermark }
  | {
      id: number;
      op: 'render';
      uploadDir: string;
      photo: { sha256: string; displayKey: string; caption: string[] | null };
    };

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

/**
 * Small uploads' versions being made after their answer (keepPhoto), by sha256 and display key: the
 * queue, told of the new row, asks for the same files at once, and waits for these rather than making
 * them a second time. Whatever fails here the queue makes.
 */
const making = new Map<string, Promise<void>>();

/**
 * Whether a small upload's versions are made from its checking decode right after its answer (true) or
 * left to the background queue, which makes them when no request is being served (false). Measured on a
 * quiet machine, alternating (npm run bench -- --only=bare,intake, 2026-12-02): true took 85–93 sheets/s
 * (photo answer p50 51–54 ms) and 77–83 counting the versions, 18–19 ms of CPU a sheet; false took 123
 * sheets/s (p50 37 ms) and 59 counting them, 22 ms a sheet. The burst and the photo's answer are what an
 * inspector waits for, and #22 says no figure met may get worse: off until the burst does not pay for it.
 */
const VERSIONS_AT_UPLOAD = false;

function after(stored: { sha256: string; displayKey: string }, versions: (() => Promise<void>) | null): void {
  if (!versions) return;
  const key = `${stored.sha256}:${stored.displayKey}`;
  const work = versions()
    .catch(() => {})
    .finally(() => making.delete(key));
  making.set(key, work);
}

parentPort!.on('message', (req: WorkerRequest) => {
  if (req.op === 'store') {
    const buf = Buffer.from(req.buf.buffer, req.buf.byteOffset, req.buf.byteLength);
    keepPhoto(req.uploadDir, buf, req.watermark, VERSIONS_AT_UPLOAD).then(
      ({ stored, versions }) => {
        parentPort!.postMessage({ id: req.id, ok: stored });
        after(stored, versions);
      },
      (err: unknown) => parentPort!.postMessage({ id: req.id, error: describe(err) }),
    );
    return;
  }
  const first = making.get(`${req.photo.sha256}:${req.photo.displayKey}`) ?? Promise.resolve();
  first
    .then(() => renderVersions(req.uploadDir, req.photo))
    .then(
      () => parentPort!.postMessage({ id: req.id, ok: null }),
      (err: unknown) => parentPort!.postMessage({ id: req.id, error: describe(err) }),
    );
});
