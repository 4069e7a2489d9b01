// The display version (with its caption band) and the thumbnail of an uploaded photo are made after
// the upload is acknowledged. What people check: the upload answers with the original kept; the two
// versions appear by themselves; a view that comes first gets them anyway; a restart finishes what a stop
// interrupted; the 整改清单 workbook never lacks a picture because its thumbnail was not made yet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import ExcelJS from 'exceljs';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';
import { photoPaths } from '../../src/photos/files.ts';
import { roundWithStatus, untouchedSites } from '../helpers/ids.ts';

const FIXTURES = join(ROOT, 'tests', 'fixtures', 'photos');
let app: TestApp;
let roundId: number;
let c: Client;
const db = () => app.booted.db;
const uploads = () => join(app.dir, 'uploads');

beforeAll(async () => {
  app = await startApp();
  roundId = roundWithStatus(db(), 'open');
  c = new Client(app.url);
  expect((await c.login('inspector1')).status).toBe(303);
});
afterAll(async () => {
  await app.destroy();
});

const used = new Set<number>();
/** A site of inspector1's in the open round, with a standard that applies to it. */
function site(): { id: number; standard: string } {
  const row = untouchedSites(db(), roundId, 'inspector1').find((r) => !used.has(r.id))!;
  used.add(row.id);
  const { criteria } = app.booted.criteria.getByCode('district-2026');
  return { id: row.id, standard: criteria.forSiteType(row.site_type)[0]!.code };
}

async function upload(
  file = 'gps-DSCN0010.jpg',
): Promise<{ id: number; sha256: string; display_key: string }> {
  const s = site();
  const form = new FormData();
  form.set('clientId', randomUUID());
  form.set('standard', s.standard);
  form.set('photo', new Blob([new Uint8Array(readFileSync(join(FIXTURES, file)))]), 'photo.jpg');
  const r = await c.postMultipart(`/api/rounds/${roundId}/sites/${s.id}/photos`, form);
  expect(r.status, r.text).toBe(201);
  const id = (JSON.parse(r.text) as { id: number }).id;
  return db().prepare('SELECT id, sha256, display_key FROM photos WHERE id = ?').get(id) as {
    id: number;
    sha256: string;
    display_key: string;
  };
}

const ready = (id: number) => scalar(db(), 'SELECT versions_ready FROM photos WHERE id = ?', id);

/** As if the versions had never been made: files gone, row waiting. */
function unmake(photo: { id: number; sha256: string; display_key: string }) {
  const paths = photoPaths(uploads(), photo.sha256, photo.display_key);
  rmSync(paths.thumb, { force: true });
  rmSync(paths.display, { force: true });
  db().prepare('UPDATE photos SET versions_ready = 0 WHERE sha256 = ?').run(photo.sha256);
  return paths;
}

describe('photo versions made after the upload', () => {
  it('keeps the caption with the row and makes the display version and thumbnail by itself', async () => {
    const photo = await upload();
    const paths = photoPaths(uploads(), photo.sha256, photo.display_key);
    expect(existsSync(paths.original)).toBe(true);
    const caption = JSON.parse(scalar(db(), 'SELECT caption FROM photos WHERE id = ?', photo.id) as string);
    expect(caption[0]).toMatch(/^拍摄 2008-10-2\d \d\d:\d\d$/); // from the photo's EXIF, in Shanghai time
    expect(caption[1]).toMatch(/^点位 /);
    expect(caption[2]).toMatch(/^测评员 /);
    await app.booted.versions.settled();
    expect(ready(photo.id)).toBe(1);
    const display = await sharp(paths.display).metadata();
    const original = await sharp(paths.original).metadata();
    expect(display).toMatchObject({ format: 'jpeg', width: original.width });
    expect(display.height).toBeGreaterThan(original.height!); // the picture and its caption band
    expect(await sharp(paths.thumb).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
  });

  it('makes a version that a view asks for before the background has', async () => {
    const photo = await upload('Canon_40D.jpg');
    await app.booted.versions.settled();
    const paths = unmake(photo);
    const display = await c.bytes(`/photos/${photo.id}/display`);
    expect(display.status).toBe(200);
    const meta = await sharp(display.body).metadata();
    expect(meta.format).toBe('jpeg');
    expect(existsSync(paths.display) && existsSync(paths.thumb)).toBe(true);
    expect(ready(photo.id)).toBe(1);
    // the same bytes as the file kept for later views
    expect((await c.bytes(`/photos/${photo.id}/display`)).body.equals(readFileSync(paths.display))).toBe(
      true,
    );
  });

  it('answers 照片文件缺失 when the original itself is gone, and records that making the versions failed', async () => {
    const photo = await upload('orientation-landscape_6.jpg');
    await app.booted.versions.settled();
    const paths = unmake(photo);
    rmSync(paths.original);
    const r = await c.get(`/photos/${photo.id}/thumb`);
    expect(r.status).toBe(404);
    expect(r.text).toContain('照片文件缺失');
    expect(ready(photo.id)).toBe(-1);
    await app.booted.versions.settled(); // nothing waits: the failure is not retried in a loop
  });

  it('a restart makes the versions a stop left waiting', async () => {
    const photo = await upload('orientation-portrait_5.jpg');
    await app.booted.versions.settled();
    const paths = unmake(photo);
    await app.stop();
    app = await startApp({ dir: app.dir });
    c = new Client(app.url);
    expect((await c.login('inspector1')).status).toBe(303);
    await app.booted.versions.settled();
    expect(ready(photo.id)).toBe(1);
    expect((await sharp(paths.display).metadata()).format).toBe('jpeg');
    // upright: the portrait fixture is shown portrait
    const thumb = await sharp(paths.thumb).metadata();
    expect(thumb.height).toBeGreaterThan(thumb.width!);
  });

  it('the 整改清单 workbook makes a problem photo thumbnail that was not made yet', async () => {
    const office = new Client(app.url);
    expect((await office.login('office')).status).toBe(303);
    const published = scalar(
      db(),
      "SELECT id FROM rounds WHERE status = 'published' ORDER BY starts_on DESC LIMIT 1",
    ) as number;
    const images = async () => {
      const res = await office.bytes(`/rounds/${published}/problems.xlsx`);
      expect(res.status).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.body as never);
      return wb.model.media.length;
    };
    const before = await images();
    expect(before).toBeGreaterThan(0);
    const photo = db()
      .prepare(
        `SELECT ph.id, ph.sha256, ph.display_key FROM photos ph JOIN problems p
           ON p.inspection_id = ph.inspection_id AND p.standard_code = ph.standard_code
         WHERE p.round_id = ? AND ph.deleted_at IS NULL LIMIT 1`,
      )
      .get(published) as { id: number; sha256: string; display_key: string };
    const paths = unmake(photo);
    expect(await images()).toBe(before);
    expect(existsSync(paths.thumb)).toBe(true);
  });
});
