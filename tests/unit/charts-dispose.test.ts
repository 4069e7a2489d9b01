// A chart whose drawing fails (here ECharts itself throwing on a value it cannot read) must still release its
// ECharts instance: ECharts keeps every instance in a registry until dispose(), so each failed chart on a
// long-running server would be kept for good.
import { describe, expect, it, vi } from 'vitest';
import type * as Echarts from 'echarts';

const made = vi.hoisted(() => [] as { isDisposed(): boolean }[]);
vi.mock('echarts', async (importOriginal) => {
  const echarts = await importOriginal<typeof Echarts>();
  return {
    ...echarts,
    init: (...args: Parameters<typeof Echarts.init>) => {
      const chart = echarts.init(...args);
      made.push(chart);
      return chart;
    },
  };
});

const { barChart } = await import('../../src/charts/svg.ts');

describe('chart rendering that fails', () => {
  it('disposes of the chart it made, and a chart drawn after it is whole', () => {
    // a value no number can be made of: ECharts throws while it reads the option
    expect(() =>
      barChart('失分', [{ label: '公共服务', value: Symbol('不是数') as unknown as number }]),
    ).toThrow(TypeError);
    expect(made).toHaveLength(1);
    expect(made[0]!.isDisposed()).toBe(true);

    const svg = barChart('失分', [{ label: '公共服务', value: 2.5 }]);
    expect(svg).toContain('2.5');
    expect(made).toHaveLength(2);
    expect(made[1]!.isDisposed()).toBe(true);
  });
});
