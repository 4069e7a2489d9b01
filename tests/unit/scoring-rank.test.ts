// Ranking, movement and 红黑榜 with hand-worked places: ties share a place, 未排名 stays apart, lists follow the rules.
import { describe, expect, it } from 'vitest';
import { rankEntries, type RankOptions } from '../../src/scoring/rank.ts';

const e = (id: number, name: string, rate: number | null, possible = 100) => ({ id, name, rate, possible });

// A .95 → 1; B .90 and C .90 → 2, 2; D .85 → 4; E .80 → 5. Given out of order on purpose.
const five = [e(5, 'E', 0.8), e(3, 'C', 0.9), e(1, 'A', 0.95), e(4, 'D', 0.85), e(2, 'B', 0.9)];

const ids = (list: { entry: { id: number } }[]) => list.map((p) => p.entry.id);

describe('rankEntries: places', () => {
  it('shares a place between equal rates: 1, 2, 2, 4, 5', () => {
    const placed = rankEntries(five);
    expect(ids(placed)).toEqual([1, 2, 3, 4, 5]);
    expect(placed.map((p) => p.rank)).toEqual([1, 2, 2, 4, 5]);
  });

  it.each([
    // [case, entries (id, name, rate), expected ids in order, expected ranks]
    [
      'rates 1e-12 apart tie; two pairs of ties: .9 .9 → 1 1, .8 .8 → 3 3, .7 → 5',
      [e(1, 'a', 0.8), e(2, 'b', 0.9), e(3, 'c', 0.8 + 1e-12), e(4, 'd', 0.7), e(5, 'e', 0.9)],
      [2, 5, 1, 3, 4],
      [1, 1, 3, 3, 5],
    ],
    [
      'ties listed by name in pinyin order, numbers by value: 丙 (bǐng) < 第2 < 第10 < 乙 (yǐ)',
      [e(1, '乙社区', 0.5), e(2, '第10社区', 0.5), e(3, '丙社区', 0.5), e(4, '第2社区', 0.5)],
      [3, 4, 2, 1],
      [1, 1, 1, 1],
    ],
    ['same name: by id', [e(9, '同名', 0.5), e(3, '同名', 0.5)], [3, 9], [1, 1]],
    [
      'a run is measured from its first rate: .9 and .9−0.6e-9 tie; .9−1.2e-9 is 1.2e-9 below the first → 3',
      [e(1, 'x', 0.9), e(2, 'y', 0.9 - 0.6e-9), e(3, 'z', 0.9 - 1.2e-9)],
      [1, 2, 3],
      [1, 1, 3],
    ],
    ['nothing to rank', [], [], []],
  ])('%s', (_case, entries, order, ranks) => {
    const placed = rankEntries(entries);
    expect(ids(placed)).toEqual(order);
    expect(placed.map((p) => p.rank)).toEqual(ranks);
  });

  it('lists 未排名 after the ranked entries, by name, neither first nor last of the ranking', () => {
    // min 10 points: F (rate 1.0, 5 points) would be first and H (rate 0.1, 5 points) last; G has no rate.
    const placed = rankEntries(
      [e(1, 'A', 0.9), e(6, 'F', 1, 5), e(7, 'G', null, 0), e(8, 'H', 0.1, 5), e(2, 'B', 0.5)],
      { minPossiblePoints: 10, redList: { topN: 1 }, blackList: { bottomN: 1 } },
    );
    expect(ids(placed)).toEqual([1, 2, 6, 7, 8]);
    expect(placed.map((p) => [p.rank, p.unranked, p.red, p.black])).toEqual([
      [1, null, true, false],
      [2, null, false, true],
      [null, 'too-few-points', false, false],
      [null, 'no-score', false, false],
      [null, 'too-few-points', false, false],
    ]);
  });

  it('ranks an entry holding exactly minPossiblePoints', () => {
    expect(rankEntries([e(1, 'A', 0.5, 10)], { minPossiblePoints: 10 })[0]!.rank).toBe(1);
  });
});

describe('rankEntries: 红黑榜 on A1 B2 C2 D4 E5 (.95 .90 .90 .85 .80)', () => {
  it.each<[string, RankOptions, number[], number[]]>([
    ['topN 1 → A', { redList: { topN: 1 } }, [1], []],
    ['topN 2 → rank ≤ 2: A, B, C (the tie is in)', { redList: { topN: 2 } }, [1, 2, 3], []],
    ['topN 3 → still A, B, C: D holds place 4', { redList: { topN: 3 } }, [1, 2, 3], []],
    ['topN 2, minRate .92 → only A reaches 92 %', { redList: { topN: 2, minRate: 0.92 } }, [1], []],
    [
      'topN 5, minRate .85 → A B C D (E .80 < .85)',
      { redList: { topN: 5, minRate: 0.85 } },
      [1, 2, 3, 4],
      [],
    ],
    ['topN 0 → nobody', { redList: { topN: 0 } }, [], []],
    ['belowRate .85 → E; D at exactly .85 is not below', { blackList: { belowRate: 0.85 } }, [], [5]],
    ['bottomN 1 → E', { blackList: { bottomN: 1 } }, [], [5]],
    ['bottomN 2 → 2nd from the end is D (place 4) → D, E', { blackList: { bottomN: 2 } }, [], [4, 5]],
    [
      'bottomN 3 → 3rd from the end is C (place 2) → B, C, D, E',
      { blackList: { bottomN: 3 } },
      [],
      [2, 3, 4, 5],
    ],
    ['bottomN 9 > entries → everyone', { blackList: { bottomN: 9 } }, [], [1, 2, 3, 4, 5]],
    ['bottomN 0 → nobody', { blackList: { bottomN: 0 } }, [], []],
    [
      'belowRate .9 OR bottomN 1 → D (.85 < .9), E',
      { blackList: { belowRate: 0.9, bottomN: 1 } },
      [],
      [4, 5],
    ],
    [
      'topN 1 and bottomN 3 → A red; B C D E black',
      { redList: { topN: 1 }, blackList: { bottomN: 3 } },
      [1],
      [2, 3, 4, 5],
    ],
    [
      'topN 2 and bottomN 5 overlap → red wins: A B C red, only D E black',
      { redList: { topN: 2 }, blackList: { bottomN: 5 } },
      [1, 2, 3],
      [4, 5],
    ],
    [
      'topN 2 and belowRate .91 overlap on B, C → red wins',
      { redList: { topN: 2 }, blackList: { belowRate: 0.91 } },
      [1, 2, 3],
      [4, 5],
    ],
  ])('%s', (_case, options, red, black) => {
    const placed = rankEntries(five, options);
    expect(ids(placed.filter((p) => p.red))).toEqual(red);
    expect(ids(placed.filter((p) => p.black))).toEqual(black);
  });

  it('compares thresholds with float noise allowed: 0.85 − 1e-13 is still 85 %', () => {
    const placed = rankEntries([e(1, 'A', 0.85 - 1e-13), e(2, 'B', 0.8)], {
      redList: { topN: 2, minRate: 0.85 },
      blackList: { belowRate: 0.85 },
    });
    expect(placed.map((p) => [p.red, p.black])).toEqual([
      [true, false],
      [false, true],
    ]);
  });
});

describe('rankEntries: movement', () => {
  it('previous − current: up, down, same, new, and none for 未排名', () => {
    // previous ranks: A 3, B 1, C 2, F 1; D and E new. Now A1 B2 C2 D4 E5, F unranked.
    const previousRanks = new Map([
      [1, 3],
      [2, 1],
      [3, 2],
      [6, 1],
    ]);
    const placed = rankEntries([...five, e(6, 'F', null)], { previousRanks });
    expect(placed.map((p) => [p.entry.id, p.movement])).toEqual([
      [1, 2], // 3 − 1: up two
      [2, -1], // 1 − 2: down one
      [3, 0], // 2 − 2
      [4, null], // new
      [5, null], // new
      [6, null], // no rank now
    ]);
  });
});
