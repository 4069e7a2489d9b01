/**
 * Names inside the 网上申报 package (materials.zip). The package is unpacked on office Windows PCs, on
 * phones and uploaded into the upper system, so every folder and file name must survive all of them:
 * none of `/\:*?"<>|`, no control or invisible direction characters, no leading dot (hidden) nor trailing
 * dots or spaces (Windows drops them), no reserved device names (CON, NUL, COM1 …, with any extension),
 * each part at most 60 characters and the whole path at most 200 (a long name loses its middle, keeping
 * its start, its end and its extension), and two files of one folder that would end up with the same name
 * (Windows compares without case) get ` (2)`, ` (3)` … Lengths count characters (code points).
 */

/** Characters of one folder or file name. */
export const MAX_PART = 60;
/** Characters of a whole path inside the package, separators included. */
export const MAX_PATH = 200;
/** Characters a file name always has, however deep its folders. */
const FILE_ROOM = 40;
/** What stands for the cut-out middle of a shortened name. */
const ELLIPSIS = '…';

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[/\\:*?"<>|\u0000-\u001f\u007f-\u009f]/g;
/** zero-width and direction-changing characters: a name could show as something it is not */
const INVISIBLE = /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;

const chars = (s: string): string[] => [...s];
const length = (s: string): number => chars(s).length;

/** The name with its middle cut out so that it has at most `max` characters. */
export function shortenMiddle(s: string, max: number): string {
  const cs = chars(s);
  if (cs.length <= max) return s;
  if (max <= 1) return cs.slice(0, max).join('');
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  return cs.slice(0, head).join('') + ELLIPSIS + cs.slice(cs.length - (keep - head)).join('');
}

/** The name cut at its end (with "…") to at most `max` characters: a standard's long text. */
export function shortenEnd(s: string, max: number): string {
  const cs = chars(s);
  return cs.length <= max
    ? s
    : cs
        .slice(0, max - 1)
        .join('')
        .trimEnd() + ELLIPSIS;
}

/** Forbidden and invisible characters replaced, white space collapsed, ends trimmed of dots and spaces. */
function clean(s: string): string {
  return s
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(/[\t\n\r\v\f]/g, ' ')
    .replace(FORBIDDEN, '_')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s]+|[.\s]+$/g, '');
}

/** Splits "name.ext" (an extension of 1–10 letters or digits; ".tar.gz" keeps only ".gz"). */
function splitExtension(name: string): { base: string; ext: string } {
  const m = /^(.*[^.])(\.[A-Za-z0-9]{1,10})$/.exec(name);
  return m ? { base: m[1]!, ext: m[2]! } : { base: name, ext: '' };
}

/**
 * One part of a path made safe: a folder name (`isFile` false) or a file name whose extension is kept
 * (and added from `fallbackExt` when it has none). At most `max` characters; never empty.
 */
export function safePart(
  name: string,
  options: { isFile?: boolean; max?: number; fallbackExt?: string } = {},
): string {
  const max = Math.min(options.max ?? MAX_PART, MAX_PART);
  const cleaned = clean(name);
  let { base, ext } = options.isFile ? splitExtension(cleaned) : { base: cleaned, ext: '' };
  if (options.isFile && !ext && options.fallbackExt) ext = `.${options.fallbackExt}`;
  base = clean(base) || (options.isFile ? '未命名文件' : '未命名');
  // CON, con.txt, "nul .pdf" all name a device on Windows
  if (RESERVED.test(base.split('.')[0]!.trim())) base = `${base}_`;
  return shortenMiddle(base, Math.max(1, max - length(ext))) + ext;
}

/** `name (n)` with the extension kept, still within `max`. */
function numbered(name: string, n: number, max: number, isFile: boolean): string {
  const { base, ext } = isFile ? splitExtension(name) : { base: name, ext: '' };
  const suffix = ` (${n})`;
  return shortenMiddle(base, Math.max(1, max - length(ext) - suffix.length)) + suffix + ext;
}

/**
 * Gives every file of the package its path: folders and file name each made safe, the file name
 * shortened so the whole path stays within MAX_PATH, and numbered when its folder already has that name.
 */
export class PackageNamer {
  private readonly taken = new Map<string, Set<string>>();

  /** Reserves a name at the top of the package (the index workbook) so no file takes it. */
  reserve(path: string): void {
    this.folder('').add(path.toLowerCase());
  }

  private folder(dir: string): Set<string> {
    let names = this.taken.get(dir.toLowerCase());
    if (!names) this.taken.set(dir.toLowerCase(), (names = new Set()));
    return names;
  }

  /** The path of a file under `folders` (raw names: they are made safe here), unique in its folder. */
  path(folders: readonly string[], fileName: string, fallbackExt?: string): string {
    // folders share what is left after a file name of at least FILE_ROOM characters
    const perFolder = Math.floor((MAX_PATH - FILE_ROOM) / Math.max(1, folders.length)) - 1;
    const dir = folders.map((f) => safePart(f, { max: perFolder })).join('/');
    // what the file name may use of the whole path: the folders' length and a separator are taken
    const room = Math.min(MAX_PART, MAX_PATH - (dir ? length(dir) + 1 : 0));
    let name = safePart(fileName, { isFile: true, max: room, fallbackExt });
    const names = this.folder(dir);
    if (names.has(name.toLowerCase())) {
      let n = 2;
      let candidate = numbered(name, n, room, true);
      while (names.has(candidate.toLowerCase())) candidate = numbered(name, ++n, room, true);
      name = candidate;
    }
    names.add(name.toLowerCase());
    return dir ? `${dir}/${name}` : name;
  }
}
