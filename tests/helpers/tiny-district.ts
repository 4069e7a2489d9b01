/**
 * The tiny district the scoring unit tests work out by hand: two 街道, three 社区 (乙社区 has no site in
 * most of them), and the version rules they start from, each test overriding what it is about.
 */
import type { Rules } from '../../src/criteria/schema.ts';

export const STREETS = [
  { id: 1, name: '东街道' },
  { id: 2, name: '西街道' },
];

export const COMMUNITIES = [
  { id: 11, name: '甲社区', streetId: 1 },
  { id: 12, name: '乙社区', streetId: 1 },
  { id: 21, name: '丙社区', streetId: 2 },
];

/** Pooled, no weights, no 当场整改 or repeat rule, 红榜 the first, 黑榜 the last, no minimum points. */
export const tinyRules = (over: Partial<Rules> = {}): Rules => ({
  notApplicable: 'exclude',
  aggregation: 'pooled',
  siteTypeWeights: {},
  gradeShares: { A: 1, B: 0.66, C: 0.33, 'C#': 0 },
  onTheSpotFix: { enabled: false, factor: 0.5 },
  repeat: { mode: 'none' },
  redList: { topN: 1 },
  blackList: { bottomN: 1 },
  minPossiblePoints: 0,
  ...over,
});
