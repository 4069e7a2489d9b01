// Display versions and thumbnails are written without fsync, so after a power cut one may be left empty or
// cut short under its real name. What a person checks: the photo still opens, whole, and the file on disk
// is whole again; the 整改清单 workbook still has every picture, none of them broken; a backup taken with a
// cut version restores, and the restored server shows the photo whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, truncateSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import ExcelJS from 'exceljs';
import { Client, startApp, tempDir, type TestApp } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';
import { isWholeJpeg, photoPaths } from '../../src/photos/files.ts';
import { roundWithStatus, untouchedSites } from '../helpers/ids.ts';
import { loadConfig } from '../../src/config.ts';
import { backup, restore } from '../../src/services/backup.ts';

const fixture = (name: string) => readFileSync(join(ROOT, 'tests', 'fixtures', 'photos', name));
/** The app, its open round, and inspector1 logged in on it. */
let app: TestApp;
let open: { round: number; inspector: Client };
const db = () => app.booted.db;
const uploads = () => join(app.dir, 'uploads');

beforeAll(async () => {
  app = await startApp();
  open = { round: roundWithStatus(db(), 'open'), inspector: new Client(app.url) };
  expect((await open.inspector.login('inspector1')).status).toBe(303);
});
afterAll(() => app.destroy());

type Photo = { id: number; sha256: string; display_key: string };

const used = new Set<number>();
/** An evidence photo uploaded by inspector1 on a fresh site, its versions made. */
async function upload(file: string): Promise<Photo> {
  const row = untouchedSites(db(), open.round, 'inspector1').find((r) => !used.has(r.id))!;
  used.add(row.id);
  const { criteria } = app.booted.criteria.getByCode('district-2026');
  const form = new FormData();
  form.set('clientId', randomUUID());
  form.set('standard', criteria.forSiteType(row.site_type)[0]!.code);
  form.set('photo', new Blob([new Uint8Array(fixture(file))]), 'photo.jpg');
  const r = await open.inspector.postMultipart(`/api/rounds/${open.round}/sites/${row.id}/photos`, form);
  expect(r.status, r.text).toBe(201);
  const id = (JSON.parse(r.text) as { id: number }).id;
  await app.booted.versions.settled();
  return db().prepare('SELECT id, sha256, display_key FROM photos WHERE id = ?').get(id) as Photo;
}

/** Decoded to the last byte at sharp's strictest: a cut JPEG fails here. */
const decodesWhole = (buf: Buffer) => sharp(buf, { failOn: 'warning' }).raw().toBuffer();

const CUTS = { empty: () => 0, 'cut in half': (n: number) => Math.floor(n / 2) };

describe('a version a power cut left empty or cut short', () => {
  for (const variant of ['display', 'thumb'] as const)
    for (const [how, cut] of Object.entries(CUTS))
      it(`GET /photos/:id/${variant} with the file ${how}: 200, a whole JPEG, and the file whole again`, async () => {
        const photo = await upload('Canon_40D.jpg');
        const path = photoPaths(uploads(), photo.sha256, photo.display_key)[variant];
        const made = readFileSync(path);
        truncateSync(path, cut(made.length));
        const r = await open.inspector.bytes(`/photos/${photo.id}/${variant}`);
        expect(r.status).toBe(200);
        await decodesWhole(r.body);
        expect(r.body.equals(made)).toBe(true);
        expect(readFileSync(path).equals(made)).toBe(true);
        // the worker's check and the route's agree: nothing more to make
        expect(isWholeJpeg(path)).toBe(true);
      });

  it('the 整改清单 workbook makes a cut thumbnail again and embeds it whole', async () => {
    const office = new Client(app.url);
    expect((await office.login('office')).status).toBe(303);
    const published = db()
      .prepare("SELECT id FROM rounds WHERE status = 'published' ORDER BY starts_on DESC LIMIT 1")
      .pluck()
      .get() as number;
    const media = async () => {
      const res = await office.bytes(`/rounds/${published}/problems.xlsx`);
      expect(res.status).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.body as never);
      return wb.model.media.map((m) => Buffer.from(m.buffer as unknown as Uint8Array));
    };
    const before = await media();
    expect(before.length).toBeGreaterThan(0);
    // the demo's problems share one photo: cut its thumbnail one way, then the other
    const sha = db()
      .prepare(
        `SELECT ph.sha256 FROM photos ph JOIN problems p
           ON p.inspection_id = ph.inspection_id AND p.standard_code = ph.standard_code
         WHERE p.round_id = ? AND ph.deleted_at IS NULL LIMIT 1`,
      )
      .pluck()
      .get(published) as string;
    const thumb = photoPaths(uploads(), sha).thumb;
    const made = readFileSync(thumb);
    for (const cut of Object.values(CUTS)) {
      truncateSync(thumb, cut(made.length));
      const after = await media();
      expect(after.length).toBe(before.length);
      for (const image of after) await decodesWhole(image);
      expect(readFileSync(thumb).equals(made)).toBe(true);
    }
  });

  it('a backup that holds a cut version restores, and the restored server shows the photo whole', async () => {
    const photo = await upload('orientation-landscape_6.jpg');
    const paths = photoPaths(uploads(), photo.sha256, photo.display_key);
    const made = { display: readFileSync(paths.display), thumb: readFileSync(paths.thumb) };
    truncateSync(paths.display, Math.floor(made.display.length / 2));
    truncateSync(paths.thumb, 0);
    const config = (dir: string) =>
      loadConfig({ NODE_ENV: 'test', DATA_DIR: join(dir, 'data'), UPLOAD_DIR: join(dir, 'uploads') });
    const work = tempDir('cc-backup-cut-');
    const target = join(work, 'b');
    await backup(config(app.dir), target);
    const fresh = tempDir('cc-restore-cut-');
    restore(config(fresh), target);
    const back = await startApp({ dir: fresh, demo: false });
    try {
      const again = new Client(back.url);
      expect((await again.login('inspector1')).status).toBe(303);
      for (const variant of ['display', 'thumb'] as const) {
        const r = await again.bytes(`/photos/${photo.id}/${variant}`);
        expect(r.status, variant).toBe(200);
        await decodesWhole(r.body);
        expect(r.body.equals(made[variant]), variant).toBe(true);
      }
    } finally {
      await back.destroy();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
