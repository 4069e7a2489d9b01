// When the background makes photo versions (photos/versions.ts): a quiet server fills every free place
// at once (eight photos side by side), an upload just in keeps it to two, a busy server makes one at the
// busy pace, and the queue empties to the last photo. The queue, the marks and the worker are stand-ins
// here (the database and the worker thread are the photo-versions HTTP tests' business); the timers are
// fake, so "at once" means within a single timer tick.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const queue: { sha256: string; display_key: string; caption: string | null }[] = [];
const marked = new Map<string, number>();
/** versions being made: each resolves when the test says so */
const making: { key: string; done: () => void }[] = [];

vi.mock('../../src/db/repos/photos.ts', () => ({
  nextWaitingVersions: (_db: unknown, busy: readonly string[] = []) =>
    queue.find(
      (p) => !marked.has(`${p.sha256}:${p.display_key}`) && !busy.includes(`${p.sha256}:${p.display_key}`),
    ),
  markVersions: (_db: unknown, sha256: string, displayKey: string, state: number) => {
    marked.set(`${sha256}:${displayKey}`, state);
  },
  captionOf: () => null,
}));
vi.mock('../../src/photos/off-thread.ts', () => ({
  renderVersionsOffThread: (_dir: string, photo: { sha256: string; displayKey: string }) =>
    new Promise<void>((resolve) =>
      making.push({ key: `${photo.sha256}:${photo.displayKey}`, done: resolve }),
    ),
}));

const { PhotoVersions } = await import('../../src/photos/versions.ts');

const hex = (n: number, length: number) => n.toString(16).padStart(length, '0');
let idle = true;
let versions: InstanceType<typeof PhotoVersions>;

beforeEach(() => {
  vi.useFakeTimers();
  queue.length = 0;
  marked.clear();
  making.length = 0;
  idle = true;
  for (let n = 1; n <= 20; n++)
    queue.push({ sha256: hex(n, 64), display_key: hex(n, 16), caption: JSON.stringify(['点位 一']) });
  versions = new PhotoVersions({
    db: {} as never,
    uploadDir: '/nonexistent-upload-dir',
    idle: () => idle,
    logError: (m) => {
      throw new Error(m);
    },
  });
});
afterEach(() => {
  versions.close();
  vi.useRealTimers();
});

/** Lets the photos being made finish (their marks and the next step run on the microtask queue). */
async function finish(count: number): Promise<void> {
  for (const m of making.splice(0, count)) m.done();
  await vi.advanceTimersByTimeAsync(0);
}

describe('making photo versions in the background', () => {
  it('fills all eight places within one timer tick once no upload has come in lately', async () => {
    versions.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(making).toHaveLength(8);
    expect(new Set(making.map((m) => m.key)).size).toBe(8);
    // a place freed is filled at once (before any timer runs), never with a photo already being made
    for (const m of making.splice(0, 3)) m.done();
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(marked.size).toBe(3);
    expect(making).toHaveLength(8);
    expect(new Set(making.map((m) => m.key)).size).toBe(8);
    // to the last photo, each made once
    while (making.length > 0) await finish(making.length);
    expect(marked.size).toBe(20);
    expect([...marked.values()].every((state) => state === 1)).toBe(true);
  });

  it('makes two at once right after an upload, to leave the other requests their share', async () => {
    versions.start();
    versions.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(making).toHaveLength(2);
    await finish(2);
    expect(making).toHaveLength(2);
    // quiet for half a second: the next step takes all eight places
    await vi.advanceTimersByTimeAsync(500);
    await finish(1);
    expect(making).toHaveLength(8);
  });

  it('makes one at a time while requests are being served, at most one a second', async () => {
    idle = false;
    versions.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(making).toHaveLength(1);
    await finish(1);
    await vi.advanceTimersByTimeAsync(900);
    expect(making).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(making).toHaveLength(1);
    expect(marked.size).toBe(1);
  });
});
