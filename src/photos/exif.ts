/**
 * When and where a photo says it was taken, from its EXIF. This is a claim, not a proof: it feeds the
 * evidence flags that an office reviewer looks at, so odd or missing metadata gives nulls, never an
 * error. Camera clocks have no time zone: a DateTimeOriginal without OffsetTimeOriginal is read as
 * Asia/Shanghai wall-clock time, because that is where the district's inspectors work.
 */
import exifr from 'exifr';

export interface PhotoMeta {
  /** ISO-8601 UTC, or null when the photo has no usable capture time. */
  takenAt: string | null;
  gps: { lat: number; lng: number } | null;
}

const SHANGHAI_OFFSET = '+08:00';
const EXIF_DATE = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;
const OFFSET = /^[+-](0\d|1[0-4]):[0-5]\d$/;

/** 'YYYY:MM:DD HH:mm:ss' plus an optional '+HH:mm' offset → ISO UTC, or null if it is not a real time. */
export function exifDateToIso(value: unknown, offset: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = EXIF_DATE.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const wall = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 2024-02-30 over into March and '0000:00:00' into 1899: such a field is garbage.
  const exact =
    wall.getUTCFullYear() === y &&
    wall.getUTCMonth() === mo - 1 &&
    wall.getUTCDate() === d &&
    wall.getUTCHours() === h &&
    wall.getUTCMinutes() === mi;
  if (!exact || y < 1990) return null;
  const zone = typeof offset === 'string' && OFFSET.test(offset.trim()) ? offset.trim() : SHANGHAI_OFFSET;
  const sign = zone.startsWith('-') ? -1 : 1;
  const minutes = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6));
  return new Date(wall.getTime() - sign * minutes * 60_000).toISOString();
}

function coordinate(value: unknown, limit: number): number | null {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= limit ? value : null;
}

/** Cameras without a fix often write 0/0; that is "no position", not the Gulf of Guinea. */
function position(lat: unknown, lng: unknown): PhotoMeta['gps'] {
  const la = coordinate(lat, 90);
  const ln = coordinate(lng, 180);
  if (la === null || ln === null || (la === 0 && ln === 0)) return null;
  return { lat: la, lng: ln };
}

/**
 * The one options object every parse is given. exifr keeps the options it builds from the object a
 * caller passes in a Map keyed by that object, never emptied: a fresh literal per photo added ≈ 7 KB to
 * the heap of every photo read, for good (35 MB over 5,000 photos), and rebuilt the options each time.
 */
const EXIF_OPTIONS = Object.freeze({
  tiff: true,
  exif: true,
  gps: true,
  ifd1: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  reviveValues: false,
  translateValues: false,
});

export async function readPhotoMeta(buf: Buffer): Promise<PhotoMeta> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await exifr.parse(buf, EXIF_OPTIONS);
  } catch {
    return { takenAt: null, gps: null };
  }
  if (!tags) return { takenAt: null, gps: null };
  const takenAt =
    exifDateToIso(tags.DateTimeOriginal, tags.OffsetTimeOriginal) ??
    exifDateToIso(tags.CreateDate, tags.OffsetTimeDigitized);
  return { takenAt, gps: position(tags.latitude, tags.longitude) };
}
