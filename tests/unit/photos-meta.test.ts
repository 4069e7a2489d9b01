// What a photo says about itself: its real type from the first bytes, when and where it was taken
// from EXIF (cross-checked against exifr read directly), and the evidence flags a reviewer sees.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import exifr from 'exifr';
import { sniffImageType } from '../../src/photos/sniff.ts';
import { exifDateToIso, readPhotoMeta } from '../../src/photos/exif.ts';
import { describeFlag, distanceMeters, evidenceFlags } from '../../src/photos/evidence.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/photos/${name}`, import.meta.url));
const QINGHE = { lat: 39.9087, lng: 116.3975 }; // a site in Beijing
const MAY_2026 = { startsOn: '2026-05-01', endsOn: '2026-05-31' };

describe('sniffImageType', () => {
  it('knows the three accepted types by their bytes, whatever the file is called', () => {
    expect(sniffImageType(fixture('orientation-landscape_1.jpg'))).toBe('image/jpeg');
    expect(sniffImageType(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'))).toBe('image/png');
    expect(sniffImageType(Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1'))).toBe('image/webp');
  });

  it.each([
    ['an iPhone HEIC', fixture('heic-IMG_5195.HEIC'), 'HEIC'],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'GIF'],
    ['a PDF', Buffer.from('%PDF-1.7\n%âãÏÓ', 'latin1'), 'PDF'],
    [
      'an SVG',
      Buffer.from('\uFEFF  <?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
      'SVG',
    ],
    ['a TIFF', Buffer.from('II*\x00\x08\x00\x00\x00', 'latin1'), 'TIFF/RAW'],
    ['a text file', Buffer.from('整改清单\n第一条'), '未知'],
  ])('names %s as unsupported', (_what, buf, name) => {
    expect(sniffImageType(buf)).toEqual({ unsupported: name });
  });

  it('says null for an empty file', () => {
    expect(sniffImageType(Buffer.alloc(0))).toBeNull();
  });
});

describe('readPhotoMeta', () => {
  it('reads GPS position as exifr does, from a Nikon photo taken in Italy', async () => {
    const buf = fixture('gps-DSCN0010.jpg');
    const direct = await exifr.gps(buf);
    const meta = await readPhotoMeta(buf);
    expect(meta.gps!.lat).toBeCloseTo(direct.latitude, 9);
    expect(meta.gps!.lng).toBeCloseTo(direct.longitude, 9);
    expect(meta.gps!.lat).toBeCloseTo(43.4674, 3);
    expect(meta.gps!.lng).toBeCloseTo(11.8851, 3);
  });

  it('reads a capture time without offset as Shanghai time', async () => {
    expect(exifDateToIso('2008:10:22 16:29:49', undefined)).toBe('2008-10-22T08:29:49.000Z');
    const meta = await readPhotoMeta(fixture('gps-DSCN0010.jpg'));
    expect(meta.takenAt).toBe('2008-10-22T08:28:39.000Z'); // EXIF says 2008:10:22 16:28:39
  });

  it('uses OffsetTimeOriginal when the camera wrote one', async () => {
    expect(exifDateToIso('2022:08:14 14:12:31', '+03:00')).toBe('2022-08-14T11:12:31.000Z');
    const meta = await readPhotoMeta(fixture('heic-IMG_5195.HEIC')); // 2021:04:11 15:47:53, -05:00
    expect(meta.takenAt).toBe('2021-04-11T20:47:53.000Z');
  });

  it('gives nulls, not errors, for photos without metadata and for garbage', async () => {
    expect(await readPhotoMeta(fixture('xmp-no_exif.jpg'))).toEqual({ takenAt: null, gps: null });
    expect(await readPhotoMeta(fixture('Canon_40D.jpg'))).toEqual({
      takenAt: '2008-05-30T07:56:01.000Z',
      gps: null,
    });
    expect(await readPhotoMeta(Buffer.from('not a photo'))).toEqual({ takenAt: null, gps: null });
    expect(await readPhotoMeta(Buffer.alloc(0))).toEqual({ takenAt: null, gps: null });
  });

  it.each([['0000:00:00 00:00:00'], ['2024:02:30 10:00:00'], ['2024:13:01 10:00:00'], ['yesterday'], [42]])(
    'refuses the impossible capture time %s',
    (value) => {
      expect(exifDateToIso(value, undefined)).toBeNull();
    },
  );
});

describe('evidence flags', () => {
  it('measures great-circle distances', () => {
    const shanghai = { lat: 31.2304, lng: 121.4737 };
    expect(distanceMeters(QINGHE, shanghai) / 1000).toBeGreaterThan(1060);
    expect(distanceMeters(QINGHE, shanghai) / 1000).toBeLessThan(1075);
    expect(distanceMeters(QINGHE, { lat: QINGHE.lat + 0.001, lng: QINGHE.lng })).toBeCloseTo(111.2, 0);
    expect(distanceMeters(QINGHE, QINGHE)).toBe(0);
  });

  it('flags the Italian GPS photo as far from a site in China', async () => {
    const meta = await readPhotoMeta(fixture('gps-DSCN0010.jpg'));
    const flags = evidenceFlags(meta, { startsOn: '2008-10-01', endsOn: '2008-10-31' }, QINGHE);
    expect(flags).toHaveLength(1);
    const [flag] = flags;
    expect(flag!.code).toBe('far_from_site');
    if (flag!.code !== 'far_from_site') return;
    expect(flag!.distanceM / 1000).toBeGreaterThan(7500);
    expect(flag!.distanceM / 1000).toBeLessThan(8500);
    expect(describeFlag(flag!)).toMatch(/^拍摄地点距点位约 \d,\d{3} 公里$/);
  });

  it('flags a photo taken outside the round, by Shanghai calendar day, both ends inclusive', () => {
    const at = (takenAt: string) => evidenceFlags({ takenAt, gps: null }, MAY_2026, QINGHE);
    expect(at('2026-04-30T16:00:00.000Z')).toEqual([]); // 1 May 00:00 in Shanghai
    expect(at('2026-05-31T15:59:59.000Z')).toEqual([]); // 31 May 23:59:59
    expect(at('2026-05-31T16:00:00.000Z')).toEqual([
      { code: 'time_outside_round', takenAt: '2026-05-31T16:00:00.000Z' },
    ]);
    expect(describeFlag(at('2008-10-22T08:29:49.000Z')[0]!)).toBe(
      '拍摄时间 2008-10-22 16:29 不在本轮测评日期内',
    );
  });

  it('stays silent when the photo or the site has nothing to compare', () => {
    const near = { takenAt: '2026-05-10T02:00:00.000Z', gps: { lat: QINGHE.lat + 0.003, lng: QINGHE.lng } };
    expect(evidenceFlags(near, MAY_2026, QINGHE)).toEqual([]);
    expect(evidenceFlags({ takenAt: null, gps: null }, MAY_2026, QINGHE)).toEqual([]);
    const far = { takenAt: null, gps: { lat: 43.4674, lng: 11.8851 } };
    expect(evidenceFlags(far, MAY_2026, { lat: null, lng: null })).toEqual([]);
    expect(evidenceFlags(near, MAY_2026, QINGHE, 100)).toEqual([{ code: 'far_from_site', distanceM: 334 }]);
  });

  it('describes distances the way people say them', () => {
    expect(describeFlag({ code: 'far_from_site', distanceM: 812 })).toBe('拍摄地点距点位约 812 米');
    expect(describeFlag({ code: 'far_from_site', distanceM: 2440 })).toBe('拍摄地点距点位约 2.4 公里');
    expect(describeFlag({ code: 'far_from_site', distanceM: 8_432_100 })).toBe('拍摄地点距点位约 8,432 公里');
  });
});

describe('reading photos over a season', () => {
  it('keeps nothing per photo read: 2,000 reads leave the heap within 3 MB of where it was', async () => {
    // exifr keeps what it builds from each options object it is given, in a Map it never empties: a
    // fresh options object per photo kept ≈ 7 KB a photo (14 MB here) in the upload worker for good
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const photo = fixture('gps-DSCN0010.jpg');
    await readPhotoMeta(photo); // what a first read loads once
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 2000; i++) await readPhotoMeta(photo);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(3 * 2 ** 20);
    // and the reads still read
    expect((await readPhotoMeta(photo)).gps).not.toBeNull();
  });
});
