/**
 * Charts as SVG strings rendered on the server by Apache ECharts (SSR mode): no script on the page, the
 * same picture on a tablet, a desk screen and paper. Animations are off; Chinese labels use the page's
 * fonts since the SVG is inline.
 *
 * The pages' Content-Security-Policy allows no inline styles (style-src 'self'), and ECharts writes its
 * text styles as style="…" attributes and its hover effects as a <style> element: the browser would
 * refuse every one (the labels fell back to the default size, with one console error each). So the SVG
 * is rewritten before it leaves here: each style declaration becomes the SVG presentation attribute of
 * the same name (attributes are not styles, the CSP does not govern them), and the hover <style> block,
 * which a static picture does not need, is dropped. The CSP stays as strict as the rest of the app.
 */
import * as echarts from 'echarts';

const FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";
const COLORS = ['#c0392b', '#1d4ed8', '#1e7e34', '#b7791f', '#6b21a8', '#0f766e', '#be185d', '#4b5563'];

function render(option: echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, color: COLORS, textStyle: { fontFamily: FONT }, ...option });
    return withoutInlineStyles(chart.renderToSVGString());
  } finally {
    // ECharts keeps every instance until it is disposed of: a chart that failed would be kept for good
    chart.dispose();
  }
}

/** CSS properties ECharts may write in a style attribute that SVG also accepts as attributes. */
const PRESENTATION = new Set([
  'font-size',
  'font-family',
  'font-weight',
  'font-style',
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'opacity',
  'text-decoration',
  'dominant-baseline',
  'text-anchor',
  'paint-order',
]);

/**
 * style="a:b;c:d" → a="b" c="d" (presentation attributes; a property SVG has no attribute for is left
 * out), and <style> elements removed. Exported for its unit test.
 */
export function withoutInlineStyles(svg: string): string {
  return svg.replace(/<style\b[^>]*>[\s\S]*?<\/style>/g, '').replace(/ style="([^"]*)"/g, (_m, css: string) =>
    css
      .split(';')
      .map((d) => {
        const at = d.indexOf(':');
        if (at < 0) return '';
        const name = d.slice(0, at).trim().toLowerCase();
        const value = d.slice(at + 1).trim();
        return PRESENTATION.has(name) && value ? ` ${name}="${value.replace(/"/g, '&quot;')}"` : '';
      })
      .join(''),
  );
}

export interface LineSeries {
  name: string;
  /** one value per category; null leaves a gap */
  values: (number | null)[];
}

/** Rates across rounds (values 0–1, shown as %). */
export function rateLineChart(
  title: string,
  categories: string[],
  series: LineSeries[],
  width = 720,
  height = 320,
): string {
  // the axis starts at a round 5 % step below the lowest value, so small movements stay visible
  const values = series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  const lowest = values.length ? Math.min(...values) : 0.8;
  const step = lowest >= 0.7 ? 0.05 : 0.1;
  const low = Math.max(0, Number((Math.floor(lowest / step) * step - step).toFixed(2)));
  return render(
    {
      title: { text: title, left: 'center', textStyle: { fontSize: 15 } },
      legend: { bottom: 0, type: 'scroll' },
      grid: { left: 56, right: 24, top: 48, bottom: 56 },
      xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, fontSize: 11 } },
      yAxis: {
        type: 'value',
        min: low,
        max: 1,
        interval: step,
        axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
      },
      series: series.map((s) => ({
        name: s.name,
        type: 'line',
        data: s.values.map((v) => (v === null ? '-' : Number((v * 100).toFixed(2)) / 100)),
        connectNulls: false,
        symbolSize: 7,
        label: {
          show: series.length === 1,
          formatter: (p: { value: number }) => `${(p.value * 100).toFixed(1)}%`,
          fontSize: 11,
        },
      })),
    },
    width,
    height,
  );
}

export interface Bar {
  label: string;
  value: number;
}

/** Horizontal bars, largest first (points lost, failure rates). */
export function barChart(
  title: string,
  bars: Bar[],
  opts: { percent?: boolean; width?: number; unit?: string } = {},
): string {
  const shown = bars.slice(0, 12).reverse();
  const height = 70 + shown.length * 30;
  const fmt = (v: number) =>
    opts.percent ? `${(v * 100).toFixed(1)}%` : `${Number(v.toFixed(2))}${opts.unit ?? ''}`;
  return render(
    {
      title: { text: title, left: 'center', textStyle: { fontSize: 15 } },
      // SSR cannot measure CJK text, so the label column is sized from the character count
      grid: {
        left: 24 + Math.max(...shown.map((b) => Math.min(b.label.length, 17))) * 16,
        right: 70,
        top: 40,
        bottom: 20,
      },
      xAxis: {
        type: 'value',
        axisLabel: { formatter: (v: number) => (opts.percent ? `${Math.round(v * 100)}%` : String(v)) },
      },
      yAxis: {
        type: 'category',
        data: shown.map((b) => (b.label.length > 16 ? `${b.label.slice(0, 16)}…` : b.label)),
        axisLabel: { fontSize: 12 },
      },
      series: [
        {
          type: 'bar',
          data: shown.map((b) => b.value),
          barMaxWidth: 22,
          label: { show: true, position: 'right', formatter: (p: { value: number }) => fmt(p.value) },
        },
      ],
    },
    opts.width ?? 720,
    height,
  );
}
