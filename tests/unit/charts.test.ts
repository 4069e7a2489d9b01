// Server-rendered charts carry no inline CSS (the pages' CSP refuses it): their text sizes and fonts are
// SVG attributes, and nothing else of the picture is lost on the way.
import { describe, expect, it } from 'vitest';
import { barChart, rateLineChart, withoutInlineStyles } from '../../src/charts/svg.ts';

describe('chart SVG without inline styles', () => {
  it('turns style declarations into presentation attributes and drops <style> blocks', () => {
    const svg =
      '<svg><style ><![CDATA[\n.zr0-cls-1:hover { cursor:pointer; }\n]]></style>' +
      '<text style="font-size:15px;font-family:\'Noto Sans SC\', sans-serif;font-weight:bold;" x="1">标题</text>' +
      '<path style="cursor:pointer;" d="M0 0"/></svg>';
    expect(withoutInlineStyles(svg)).toBe(
      '<svg><text font-size="15px" font-family="\'Noto Sans SC\', sans-serif" font-weight="bold" x="1">标题</text>' +
        '<path d="M0 0"/></svg>',
    );
  });

  it('renders bar and line charts with their labels sized by attribute and no style at all', () => {
    const bars = barChart('失分最多的测评项目', [
      { label: '良好的人居环境', value: 12.5 },
      { label: '优质的公共服务', value: 3 },
    ]);
    const line = rateLineChart(
      '东湖街道 得分率趋势',
      ['10月', '11月'],
      [{ name: '东湖街道', values: [0.9, 0.93] }],
    );
    for (const svg of [bars, line]) {
      expect(svg).not.toMatch(/style=|<style/);
      expect(svg).toMatch(/<text[^>]* font-size="15px"[^>]*>[^<]*(失分最多的测评项目|得分率趋势)/);
    }
    expect(bars).toContain('良好的人居环境');
    expect(line).toContain('93.0%');
  });
});
