/**
 * Fitting a reminder into a group robot's message: 企业微信 takes at most 4,096 bytes of UTF-8 markdown
 * (a Chinese character is 3 bytes, so about 1,300 of them). A long digest keeps its header and footer (the
 * link to the full list) and as many whole items as fit, then says how many were left out ("还有 n 条").
 */

/** the most bytes (UTF-8) a robot's markdown may hold: 企业微信's documented limit, used for 钉钉 too */
export const ROBOT_MAX_BYTES = 4096;

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** the longest start of `s` (whole characters) within `max` bytes */
function clip(s: string, max: number): string {
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = bytes(ch);
    if (used + n > max) break;
    out += ch;
    used += n;
  }
  return out;
}

/**
 * header, items and footer one a line; when they do not fit in `maxBytes`, the first items that do, a line
 * "……还有 n 条", and the footer. Items are never cut in half; the footer is always there (only a header
 * too long for anything else is shortened).
 */
export function cutMarkdown(header: string, items: string[], footer: string, maxBytes: number): string {
  const whole = [header, ...items, footer].join('\n');
  if (bytes(whole) <= maxBytes) return whole;

  const more = (n: number): string => `……还有 ${n} 条`;
  // the end always present: "还有 n 条" (at its widest, n = all items) and the footer, each on its line
  const tail = (n: number): string => `\n${more(n)}\n${footer}`;
  const headRoom = maxBytes - bytes(tail(items.length));
  const head = bytes(header) <= headRoom ? header : clip(header, Math.max(0, headRoom));

  let used = bytes(head);
  let kept = 0;
  for (const item of items) {
    const n = bytes(item) + 1; // and its line break
    if (used + n + bytes(tail(items.length - kept - 1)) > maxBytes) break;
    used += n;
    kept += 1;
  }
  return [head, ...items.slice(0, kept), more(items.length - kept), footer].join('\n');
}
