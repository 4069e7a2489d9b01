// When the background makes photo versions (photos/versions.ts): a quiet server fills every free place
// at once (eight photos side by side); while uploads come in or requests are served, two go to the
// background lane (the lowest-priority worker) and each freed place is taken at once; without that lane an
// upload just in keeps it to two and a busy server makes one at the busy pace; the queue empties to the
// last photo. The queue, the marks and the worker are stand-ins
// here (the database and the worker thread are the photo-versions HTTP tests' business); the timers are
// fake, so "at once" means within a single timer tick.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const queue: { sha256: string; display_key: string; caption: string | null }[] = [];
const marked = new Map<string, number>();
/** how many times the queue was read */
let reads = 0;
/** versions being made (on the background lane or not): each resolves when the test says so */
const making: { key: string; background: boolean; done: () => void }[] = [];
/** whether there is a background lane (Linux, photo workers on) */
let lane = false;

vi.mock('../../src/db/repos/photos.ts', () => ({
  waitingVersions: (_db: unknown, busy: readonly string[] = [], limit = 1) =>
    ++reads &&
    queue
      .filter(
        (p) => !marked.has(`${p.sha256}:${p.display_key}`) && !busy.includes(`${p.sha256}:${p.display_key}`),
      )
      .slice(0, limit),
  markVersions: (_db: unknown, sha256: string, displayKey: string, state: number) => {
    marked.set(`${sha256}:${displayKey}`, state);
  },
  captionOf: () => null,
}));
// the marks join the next group commit; here they are made at once
/** while true, marks wait for the test (a group commit not run yet) */
let holdMarks = false;
const heldMarks: (() => void)[] = [];
vi.mock('../../src/db/connection.ts', () => ({
  atomicallyTogether: (_db: unknown, fn: () => unknown) =>
    holdMarks ? new Promise((resolve) => heldMarks.push(() => resolve(fn()))) : Promise.resolve().then(fn),
}));
vi.mock('../../src/photos/off-thread.ts', () => ({
  renderVersionsOffThread: (
    _dir: string,
    photo: { sha256: string; displayKey: string },
    background = false,
  ) =>
    new Promise<void>((resolve) =>
      making.push({ key: `${photo.sha256}:${photo.displayKey}`, background, done: resolve }),
    ),
  hasBackgroundLane: () => lane,
}));

const { PhotoVersions } = await import('../../src/photos/versions.ts');

const hex = (n: number, length: number) => n.toString(16).padStart(length, '0');
let idle = true;
let versions: InstanceType<typeof PhotoVersions>;

beforeEach(() => {
  vi.useFakeTimers();
  queue.length = 0;
  marked.clear();
  reads = 0;
  holdMarks = false;
  heldMarks.length = 0;
  making.length = 0;
  idle = true;
  lane = false;
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

  it('reads the queue once for several photos, and never starts one read ahead that is being made', async () => {
    lane = true;
    idle = false;
    versions.start();
    versions.kick();
    await vi.advanceTimersByTimeAsync(0);
    // two on the lane, the next six read with them
    expect(making.map((m) => m.key)).toEqual(queue.slice(0, 2).map((p) => `${p.sha256}:${p.display_key}`));
    expect(reads).toBe(1);
    // one at a time to the last, none made twice: up to eight a read, and one more that finds the queue
    // empty (a read a photo would be twenty-one)
    while (making.length > 0) {
      making.shift()!.done();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
    expect(marked.size).toBe(20);
    expect(reads).toBeLessThanOrEqual(5);
  });

  it('without a background lane, makes two at once right after an upload, to leave the other requests their share', async () => {
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

  it('without a background lane, makes one at a time while requests are being served, at most one a second', async () => {
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

  it('with a background lane, sends two there while uploads come in, busy or not, each freed place taken at once', async () => {
    lane = true;
    versions.start();
    versions.kick();
    for (const serving of [false, true]) {
      idle = !serving;
      await vi.advanceTimersByTimeAsync(0);
      expect(making).toHaveLength(2);
      expect(making.every((m) => m.background)).toBe(true);
      // no pace to wait for: the freed place is taken before any timer runs
      making.shift()!.done();
      for (let i = 0; i < 10; i++) await Promise.resolve();
      expect(making).toHaveLength(2);
      expect(making[1]!.background).toBe(true);
      await finish(2);
      versions.kick();
    }
    // requests still being served but no upload for a while (an export, say): still the lane, two at most
    await vi.advanceTimersByTimeAsync(600);
    expect(making).toHaveLength(2);
    expect(making.every((m) => m.background)).toBe(true);
    // quiet and idle: all eight places, the new ones on the normal workers
    idle = true;
    await finish(1);
    expect(making).toHaveLength(8);
    expect(making.filter((m) => !m.background)).toHaveLength(7);
    while (making.length > 0) await finish(making.length);
    expect(marked.size).toBe(20);
  });

  it('frees a place once the files are made, before their mark is committed, and never takes that photo again', async () => {
    lane = true;
    idle = false;
    holdMarks = true;
    versions.start();
    versions.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(making).toHaveLength(2);
    const first = making[0]!.key;
    making.shift()!.done();
    for (let i = 0; i < 10; i++) await Promise.resolve();
    // the lane has two again while the first photo's mark still waits for its commit
    expect(heldMarks).toHaveLength(1);
    expect(marked.has(first)).toBe(false);
    expect(making).toHaveLength(2);
    expect(making.map((m) => m.key)).not.toContain(first);
    // settled waits for the held mark too
    let settled = false;
    void versions.settled().then(() => (settled = true));
    holdMarks = false;
    for (const release of heldMarks.splice(0)) release();
    while (making.length > 0) await finish(making.length);
    await vi.advanceTimersByTimeAsync(0);
    expect(marked.size).toBe(20);
    expect(settled).toBe(true);
  });
});
