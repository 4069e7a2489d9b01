// As the district's operator whose server loses power mid-work: an inspector's tablet autosaves answers and
// uploads photos in a burst, the server process is SIGKILLed in the middle (three times, at different
// moments), and after each restart every write the tablet was told had succeeded is there with its value,
// the database passes its integrity check, and the photo folder holds exactly the files of the photo rows,
// complete, with no temp files left. A batch and a photo acknowledged before a crash, sent again after it,
// change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { Client, DEMO_PASSWORD, startApp, tempDir } from '../helpers/app.ts';
import { DEMO_TEMPLATE } from '../helpers/paths.ts';
import { ROOT, startTs, type Running } from '../helpers/run.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { findInspection, markSubmitted } from '../../src/db/repos/inspections.ts';
import { findUserByUsername, type UserRow } from '../../src/db/repos/users.ts';
import { addEvidencePhoto } from '../../src/services/evidence-photos.ts';
import { saveChanges } from '../../src/services/sheets.ts';
import { roundWithStatus, untouchedSites } from '../helpers/ids.ts';

const FIXTURES = join(ROOT, 'tests', 'fixtures', 'photos');
const work = tempDir('cc-crash-');
const dataDir = join(work, 'data');
const uploadDir = join(work, 'uploads');
const dbFile = join(dataDir, 'chuangcheng.sqlite');
const env = {
  NODE_ENV: 'test',
  DATA_DIR: dataDir,
  UPLOAD_DIR: uploadDir,
  PORT: '0',
  HOST: '127.0.0.1',
  DEMO_PASSWORD,
  LOG_LEVEL: 'info',
};
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Change {
  standard: string;
  result: 'ok' | 'na';
  cases: number;
  note: string;
}
interface Batch {
  batchId: string;
  baseRevision: number;
  changes: Change[];
}
interface SentPhoto {
  clientId: string;
  standard: string;
  bytes: Buffer;
  sha: string;
}

const sentBatches = new Map<string, Batch>();
const ackedBatches = new Map<string, { batch: Batch; reply: { revision: number; saved: string[] } }>();
const ackedPhotos = new Map<string, { photo: SentPhoto; id: number }>();
const unexpected: string[] = [];

let roundId: number;
let siteId: number;
let variants: Buffer[];

beforeAll(async () => {
  cpSync(DEMO_TEMPLATE, work, { recursive: true });
  const db = openDatabase(dbFile);
  roundId = roundWithStatus(db, 'open');
  // an assigned site of inspector1 nobody has started yet
  siteId = untouchedSites(db, roundId, 'inspector1')[0]!.id;
  db.close();
  expect(siteId).toBeTypeOf('number');
  // distinct real photos: fixtures re-encoded at different sizes and qualities (each a different file)
  const sources = ['gps-DSCN0010.jpg', 'orientation-landscape_1.jpg', 'orientation-portrait_3.jpg'];
  variants = [];
  for (let i = 0; i < 36; i++) {
    const src = readFileSync(join(FIXTURES, sources[i % sources.length]!));
    variants.push(
      await sharp(src)
        .resize({ width: 480 + 16 * i })
        .jpeg({ quality: 60 + (i % 35) })
        .toBuffer(),
    );
  }
  expect(new Set(variants.map(sha256)).size).toBe(variants.length);
}, 60_000);

const started: { wrapper: number; pid: number }[] = [];
afterAll(() => {
  // a failed assertion must not leave a server running: end the processes this file started, by id
  for (const { wrapper, pid } of started)
    for (const p of [pid, wrapper]) if (alive(p)) process.kill(p, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Every process below `pid` (tsx runs the server in a child of its own). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // ended meanwhile
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, pp] of parent)
      if (pp === p) {
        out.push(child);
        queue.push(child);
      }
  }
  return out;
}

function holdsFile(pid: number, file: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Server {
  run: Running;
  url: string;
  /** the node process that has the database open */
  pid: number;
}

async function startServer(): Promise<Server> {
  const run = startTs('src/server.ts', [], env, 120_000);
  const entry = { wrapper: run.child.pid!, pid: run.child.pid! };
  started.push(entry);
  await run.waitFor(/已启动：http:\/\/localhost:\d+\//, 60_000);
  const port = /已启动：http:\/\/localhost:(\d+)\//.exec(run.stdout())![1];
  const real = realpathSync(dbFile);
  const holders = [run.child.pid!, ...descendants(run.child.pid!)].filter((p) => holdsFile(p, real));
  entry.pid = holders[0] ?? entry.pid;
  expect(holders).toHaveLength(1);
  return { run, url: `http://127.0.0.1:${port}`, pid: holders[0]! };
}

async function inspector(server: Server): Promise<{ c: Client; standards: string[] }> {
  const c = new Client(server.url);
  expect((await c.login('inspector1')).status).toBe(303);
  const page = await c.get(`/rounds/${roundId}/sites/${siteId}`);
  expect(page.status).toBe(200);
  const standards = [...page.text.matchAll(/class="std" id="std-([^"]+)"/g)].map((m) => m[1]!);
  expect(standards.length).toBeGreaterThan(3);
  return { c, standards };
}

function files(sub: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(uploadDir, p));
    }
  };
  walk(join(uploadDir, sub));
  return out;
}

/** What the user checks after a restart: acknowledged writes, the database's health, the photo folder. */
async function verify(): Promise<void> {
  const db = openDatabase(dbFile);
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);

    // answers: every acknowledged batch was committed with the answer it got; each standard holds the
    // value of the last committed batch (by revision) that wrote it — an acknowledged one, or one whose
    // reply the crash swallowed
    const stored = db.prepare('SELECT response FROM idempotency_keys WHERE key = ?').pluck();
    for (const [id, { reply }] of ackedBatches)
      expect(JSON.parse(stored.get(id) as string), `acknowledged batch ${id}`).toEqual(reply);
    const committed = [...sentBatches.values()].flatMap((b) => {
      const r = stored.get(b.batchId) as string | undefined;
      if (!r) return [];
      const { revision, saved } = JSON.parse(r) as { revision: number; saved: string[] };
      return [{ batch: b, revision, saved: new Set(saved) }];
    });
    // a batch based on a revision older than an answer it writes keeps the server's answer (a conflict the
    // tablet shows): only the answers its reply lists as saved were written
    const lastWrite = new Map<string, { change: Change; revision: number }>();
    for (const { batch, revision, saved } of committed)
      for (const change of batch.changes) {
        if (!saved.has(change.standard)) continue;
        const prev = lastWrite.get(change.standard);
        if (!prev || prev.revision < revision) lastWrite.set(change.standard, { change, revision });
      }
    const answers = new Map(
      (
        db
          .prepare(
            `SELECT a.standard_code, a.result, a.cases, a.note FROM answers a JOIN inspections i ON i.id = a.inspection_id
             WHERE i.round_id = ? AND i.site_id = ?`,
          )
          .all(roundId, siteId) as { standard_code: string; result: string; cases: number; note: string }[]
      ).map((a) => [a.standard_code, a]),
    );
    if (ackedBatches.size) expect(lastWrite.size).toBeGreaterThan(0);
    for (const [standard, { change }] of lastWrite)
      expect(answers.get(standard), standard).toEqual({
        standard_code: standard,
        result: change.result,
        cases: change.cases,
        note: change.note,
      });
    const revision = db
      .prepare('SELECT revision FROM inspections WHERE round_id = ? AND site_id = ?')
      .pluck()
      .get(roundId, siteId) as number | undefined;
    for (const { reply } of ackedBatches.values()) expect(revision).toBeGreaterThanOrEqual(reply.revision);

    // photos: every acknowledged one has its row and its original, byte for byte; its display version and
    // thumbnail are made after the acknowledgement, so they are either made (complete, decodable JPEGs)
    // or still waiting (photos.versions_ready = 0), never half there
    const byClient = db.prepare(
      'SELECT id, sha256, display_key, bytes, deleted_at, standard_code, versions_ready FROM photos WHERE client_id = ?',
    );
    for (const [clientId, { photo, id }] of ackedPhotos) {
      const row = byClient.get(clientId) as
        | {
            id: number;
            sha256: string;
            display_key: string;
            bytes: number;
            deleted_at: null;
            standard_code: string;
            versions_ready: number;
          }
        | undefined;
      expect(row, `acknowledged photo ${clientId}`).toMatchObject({
        id,
        sha256: photo.sha,
        bytes: photo.bytes.length,
        deleted_at: null,
        standard_code: photo.standard,
      });
      expect([0, 1]).toContain(row!.versions_ready);
      const shard = photo.sha.slice(0, 2);
      expect(sha256(readFileSync(join(uploadDir, 'originals', shard, photo.sha)))).toBe(photo.sha);
      for (const shown of [
        join(uploadDir, 'thumbs', shard, `${photo.sha}.jpg`),
        join(uploadDir, 'display', shard, `${photo.sha}-${row!.display_key}.jpg`),
      ]) {
        if (row!.versions_ready === 0 && !existsSync(shown)) continue;
        const meta = await sharp(shown).metadata(); // a complete, decodable JPEG
        expect(meta.format).toBe('jpeg');
        await sharp(shown).raw().toBuffer();
      }
    }

    // the folder holds exactly the files of the rows: none without a row, no row without its original,
    // no made versions missing
    const rows = db.prepare('SELECT sha256, display_key, versions_ready FROM photos').all() as {
      sha256: string;
      display_key: string;
      versions_ready: number;
    }[];
    const allowed = new Set<string>();
    const required = new Set<string>();
    for (const r of rows) {
      const shard = r.sha256.slice(0, 2);
      const versions = [
        join('thumbs', shard, `${r.sha256}.jpg`),
        join('display', shard, `${r.sha256}-${r.display_key}.jpg`),
      ];
      for (const f of [join('originals', shard, r.sha256), ...versions]) allowed.add(f);
      required.add(join('originals', shard, r.sha256));
      if (r.versions_ready === 1) for (const f of versions) required.add(f);
    }
    const present = [...files('originals'), ...files('thumbs'), ...files('display')];
    expect(
      present.filter((f) => !allowed.has(f)),
      'files without a row',
    ).toEqual([]);
    expect(
      [...required].filter((f) => !present.includes(f)),
      'rows without their files',
    ).toEqual([]);
    // the running server makes the versions the crash left waiting, each through a temp file of its own
    // (the start-up sweep has removed the crash's): once it has made them all, tmp/ holds nothing
    const waiting = db.prepare('SELECT count(*) FROM photos WHERE versions_ready <> 1').pluck();
    for (let i = 0; i < 100 && (waiting.get() as number) > 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(waiting.get(), 'versions still waiting').toBe(0);
    expect(files('tmp'), 'temp files left').toEqual([]);
  } finally {
    db.close();
  }
}

/** Autosaves and photo uploads from several lanes at once until the server is gone. */
function burst(c: Client, standards: string[], revision: number, onPhotoAck: () => void) {
  const api = `/api/rounds/${roundId}/sites/${siteId}`;
  let seen = revision;
  const saveLane = async (lane: number) => {
    for (let i = 0; ; i++) {
      const batchId = randomUUID();
      const batch: Batch = {
        batchId,
        baseRevision: seen,
        changes: [0, 1, 2].slice(0, 1 + ((i + lane) % 3)).map((k) => ({
          standard: standards[(i * 3 + lane * 5 + k) % standards.length]!,
          result: (i + k) % 2 ? 'na' : 'ok',
          cases: 0,
          note: `batch ${batchId}`,
        })),
      };
      sentBatches.set(batchId, batch);
      let reply;
      try {
        reply = await c.postJson(`${api}/changes`, batch);
      } catch {
        return; // the server is gone
      }
      if (reply.status !== 200) {
        unexpected.push(`save ${reply.status} ${reply.text.slice(0, 200)}`);
        return;
      }
      const body = JSON.parse(reply.text) as { revision: number; saved: string[] };
      seen = Math.max(seen, body.revision);
      ackedBatches.set(batchId, { batch, reply: body });
    }
  };
  const photoLane = async () => {
    for (let bytes = variants.shift(); bytes; bytes = variants.shift()) {
      const photo: SentPhoto = {
        clientId: randomUUID(),
        standard: standards[variants.length % standards.length]!,
        bytes,
        sha: sha256(bytes),
      };
      const form = new FormData();
      form.set('clientId', photo.clientId);
      form.set('standard', photo.standard);
      form.set('photo', new Blob([new Uint8Array(bytes)]), `p-${variants.length}.jpg`);
      let reply;
      try {
        reply = await c.postMultipart(`${api}/photos`, form);
      } catch {
        return;
      }
      if (reply.status !== 201) {
        unexpected.push(`photo ${reply.status} ${reply.text.slice(0, 200)}`);
        return;
      }
      ackedPhotos.set(photo.clientId, { photo, id: (JSON.parse(reply.text) as { id: number }).id });
      onPhotoAck();
    }
  };
  return Promise.all([saveLane(0), saveLane(1), saveLane(2), photoLane(), photoLane()]);
}

describe('crash safety', () => {
  it('keeps every acknowledged answer and photo through SIGKILLs mid-burst, and retries stay no-ops', async () => {
    // kill after the n-th photo of the burst is acknowledged, plus a little: a different moment each time
    const moments = [
      { photos: 1, extraMs: 0 },
      { photos: 2, extraMs: 70 },
      { photos: 4, extraMs: 160 },
    ];
    let firstAck: { batch: Batch; reply: unknown } | undefined;
    for (const [round, moment] of moments.entries()) {
      const server = await startServer();
      await verify(); // the state after the previous crash (the start-up sweep has run)
      const { c, standards } = await inspector(server);
      const state = JSON.parse((await c.get(`/api/rounds/${roundId}/sites/${siteId}`)).text) as {
        revision: number;
      };
      const photosBefore = ackedPhotos.size;
      const batchesBefore = ackedBatches.size;
      let killed = false;
      const kill = () => {
        if (killed) return;
        killed = true;
        process.kill(server.pid, 'SIGKILL');
      };
      let acked = 0;
      const lanes = burst(c, standards, state.revision, () => {
        if (++acked === moment.photos) setTimeout(kill, moment.extraMs);
      });
      const fallback = setTimeout(kill, 20_000); // should the photos stop coming, still crash it
      await lanes;
      clearTimeout(fallback);
      expect(killed, `round ${round}: the burst ended before the crash`).toBe(true);
      await server.run.done;
      expect(alive(server.pid), 'the server process is gone').toBe(false);
      expect(unexpected).toEqual([]);
      // the kill came in the middle: some writes were acknowledged, and more were still on their way
      expect(ackedPhotos.size).toBeGreaterThan(photosBefore);
      expect(ackedBatches.size).toBeGreaterThan(batchesBefore);
      expect(sentBatches.size).toBeGreaterThan(ackedBatches.size);
      firstAck ??= [...ackedBatches.values()][0];
    }

    const server = await startServer();
    try {
      await verify();
      const { c } = await inspector(server);
      const db = openDatabase(dbFile);
      const snapshot = () => ({
        answers: db
          .prepare(
            `SELECT a.* FROM answers a JOIN inspections i ON i.id = a.inspection_id
             WHERE i.round_id = ? AND i.site_id = ? ORDER BY a.standard_code`,
          )
          .all(roundId, siteId),
        inspection: db
          .prepare('SELECT * FROM inspections WHERE round_id = ? AND site_id = ?')
          .get(roundId, siteId),
        photos: db.prepare('SELECT count(*) FROM photos').pluck().get(),
      });
      try {
        const before = snapshot();
        // the tablet sends again a batch acknowledged before the first crash, and the last one acknowledged
        const last = [...ackedBatches.values()].at(-1)!;
        for (const { batch, reply } of [firstAck!, last]) {
          const again = await c.postJson(`/api/rounds/${roundId}/sites/${siteId}/changes`, batch);
          expect(again.status).toBe(200);
          expect(JSON.parse(again.text)).toEqual(reply);
        }
        // and a photo acknowledged before a crash
        const [clientId, { photo, id }] = [...ackedPhotos.entries()][0]!;
        const form = new FormData();
        form.set('clientId', clientId);
        form.set('standard', photo.standard);
        form.set('photo', new Blob([new Uint8Array(photo.bytes)]), 'again.jpg');
        const again = await c.postMultipart(`/api/rounds/${roundId}/sites/${siteId}/photos`, form);
        expect(again.status).toBe(201);
        expect((JSON.parse(again.text) as { id: number }).id).toBe(id);
        expect(snapshot()).toEqual(before);
        // every acknowledged photo can be looked at: a version not made yet is made for the view
        for (const { id } of ackedPhotos.values())
          for (const variant of ['thumb', 'display']) {
            const res = await c.bytes(`/photos/${id}/${variant}`);
            expect(res.status, `photo ${id} ${variant}`).toBe(200);
            expect((await sharp(res.body).metadata()).format).toBe('jpeg');
            await sharp(res.body).raw().toBuffer();
          }
        // and the server makes whatever still waits by itself
        const waiting = db.prepare('SELECT count(*) FROM photos WHERE versions_ready <> 1').pluck();
        for (let i = 0; i < 100 && (waiting.get() as number) > 0; i++)
          await new Promise((r) => setTimeout(r, 100));
        expect(waiting.get()).toBe(0);
      } finally {
        db.close();
      }
    } finally {
      await server.run.stop('SIGTERM');
    }
    await verify();
  }, 120_000);

  it('a photo whose row cannot be written leaves no file, even when its original is filed under another caption', async () => {
    const app = await startApp();
    try {
      const db = app.booted.db;
      const uploads = join(app.dir, 'uploads');
      const ctx = { db, criteria: app.booted.criteria, uploadDir: uploads };
      const user = findUserByUsername(db, 'inspector1') as UserRow;
      const open = roundWithStatus(db, 'open');
      const sites = untouchedSites(db, open, 'inspector1').slice(0, 2);
      const [first, second] = sites.map((s) => s.id);
      const standard = (site: number) => {
        const type = sites.find((s) => s.id === site)!.site_type;
        return app.booted.criteria.getByCode('district-2026').criteria.forSiteType(type)[0]!.code;
      };
      const bytes = readFileSync(join(FIXTURES, 'gps-DSCN0010.jpg'));
      const upload = (site: number) =>
        addEvidencePhoto(ctx, user, open, site, {
          clientId: randomUUID(),
          standard: standard(site),
          buffer: bytes,
          originalName: 'same.jpg',
        });
      const kept = await upload(first!);
      await app.booted.versions.settled(); // its display version and thumbnail made
      // the same photo for another site (another caption): the sheet is submitted while it is processed
      saveChanges(ctx, user, open, second!, {
        batchId: randomUUID(),
        baseRevision: 0,
        changes: [{ standard: standard(second!), result: 'ok', cases: 0 }],
      });
      const pending = upload(second!);
      markSubmitted(db, findInspection(db, open, second!)!.id);
      await expect(pending).rejects.toThrow(/已提交/);
      const rows = db.prepare('SELECT sha256, display_key FROM photos WHERE sha256 = ?').all(kept.sha256);
      expect(rows).toEqual([{ sha256: kept.sha256, display_key: kept.display_key }]);
      const shard = kept.sha256.slice(0, 2);
      expect(readdirSync(join(uploads, 'display', shard)).filter((f) => f.startsWith(kept.sha256))).toEqual([
        `${kept.sha256}-${kept.display_key}.jpg`,
      ]);
      expect(existsSync(join(uploads, 'originals', shard, kept.sha256))).toBe(true);
      expect(existsSync(join(uploads, 'thumbs', shard, `${kept.sha256}.jpg`))).toBe(true);
    } finally {
      await app.destroy();
    }
  });
});
