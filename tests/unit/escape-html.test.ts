// Pages escape every value with escapeHtml (src/app.ts) instead of ejs's own function: it must give
// exactly what ejs gives, for markup, quotes, numbers, nothing at all and whatever else a template prints.
import { describe, expect, it } from 'vitest';
import ejs from 'ejs';
import { escapeHtml } from '../../src/app.ts';

describe('escapeHtml', () => {
  const values: unknown[] = [
    '<script>alert("x")</script>',
    `O'Neil & Sons > "quoted" < 'single'`,
    '&amp; already escaped',
    '公共场所无乱贴乱画，垃圾桶摆放整齐',
    'A1.2.3',
    '',
    0,
    42.5,
    -1,
    true,
    null,
    undefined,
    { toString: () => '<b>object</b>' },
    ['a<b', 'c'],
  ];
  it.each(values.map((v) => [String(v), v]))('escapes %s as ejs does', (_name, v) => {
    expect(escapeHtml(v)).toBe(ejs.escapeXML(v as string));
  });

  it('is what the page templates use: a name with markup shows as text', async () => {
    const html = await ejs.render(
      '<p><%= name %></p>',
      { name: '<img src=x onerror=alert(1)>' },
      { escape: escapeHtml },
    );
    expect(html).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>');
  });
});
