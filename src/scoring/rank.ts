/**
 * Ranking (排名), movement since the last round and 红黑榜 — pure and generic over anything with a rate,
 * so communities, 镇街 and any later ranking place ties and fill the lists the same way.
 *
 * Rules (round.ts repeats them with the rest of the formulas):
 *  - 未排名: no rate, or fewer possible points than minPossiblePoints; listed after the ranked entries
 *    (by name, then id), never first or last of the ranking itself;
 *  - rank by rate descending; rates within RATE_EPSILON of the first rate of a run share a place
 *    (1, 2, 2, 4); tied entries are listed by name (Chinese collation, numbers by value), then id;
 *  - movement = previous rank − current rank (positive = moved up), null when either is missing;
 *  - 红榜: rank ≤ topN and, when minRate is set, rate ≥ minRate;
 *  - 黑榜: rate < belowRate (when set) or rank ≥ the rank held by the bottomN-th entry from the end
 *    (when set, so ties at that place are all in); an entry on the red list is never also on the black
 *    list (red wins, which only happens in a round with very few ranked entries).
 *  Rate comparisons against minRate / belowRate allow RATE_EPSILON, so 0.85 computed as 0.8499999999
 *  still counts as 85 %.
 */
import type { Rules } from '../criteria/schema.ts';

/** rates closer than this are equal (ties, list thresholds) */
export const RATE_EPSILON = 1e-9;

export interface Rankable {
  id: number;
  name: string;
  rate: number | null;
  /** possible points, checked against minPossiblePoints when given */
  possible?: number;
}

/** why an entry is 未排名 */
export type Unranked = 'no-score' | 'too-few-points';

export interface RankOptions {
  minPossiblePoints?: number;
  redList?: Rules['redList'];
  blackList?: Rules['blackList'];
  /** id → rank in the previous round */
  previousRanks?: ReadonlyMap<number, number>;
}

export interface Placement<T> {
  entry: T;
  rank: number | null;
  unranked: Unranked | null;
  movement: number | null;
  red: boolean;
  black: boolean;
}

const collator = new Intl.Collator('zh-CN', { numeric: true });

/** Deterministic order for ties and unranked lists: name, then id. */
export function byNameThenId(a: { name: string; id: number }, b: { name: string; id: number }): number {
  return collator.compare(a.name, b.name) || a.id - b.id;
}

/** Places entries and returns them in display order: ranked entries by place, then 未排名. */
export function rankEntries<T extends Rankable>(
  entries: readonly T[],
  options: RankOptions = {},
): Placement<T>[] {
  const min = options.minPossiblePoints ?? 0;
  const scored: { entry: T; rate: number }[] = [];
  const unranked: Placement<T>[] = [];
  for (const entry of entries) {
    const { rate, possible } = entry;
    if (rate !== null && (possible === undefined || possible >= min - RATE_EPSILON)) {
      scored.push({ entry, rate });
      continue;
    }
    const reason: Unranked = rate === null ? 'no-score' : 'too-few-points';
    unranked.push(placement(entry, null, reason, null, false, false));
  }
  scored.sort((a, b) => b.rate - a.rate);

  const ranked: (Placement<T> & { rank: number; rate: number })[] = [];
  for (let i = 0; i < scored.length;) {
    const top = scored[i]!.rate;
    let j = i + 1;
    while (j < scored.length && top - scored[j]!.rate <= RATE_EPSILON) j++;
    const run = scored.slice(i, j).sort((a, b) => byNameThenId(a.entry, b.entry));
    for (const { entry, rate } of run) {
      const previous = options.previousRanks?.get(entry.id);
      ranked.push({
        entry,
        rate,
        rank: i + 1,
        unranked: null,
        movement: previous === undefined ? null : previous - (i + 1),
        red: false,
        black: false,
      });
    }
    i = j;
  }
  markLists(ranked, options);
  unranked.sort((a, b) => byNameThenId(a.entry, b.entry));
  const placed: Placement<T>[] = new Array<Placement<T>>(ranked.length + unranked.length);
  ranked.forEach((p, i) => {
    placed[i] = placement(p.entry, p.rank, null, p.movement, p.red, p.black);
  });
  unranked.forEach((p, i) => (placed[ranked.length + i] = p));
  return placed;
}

/**
 * A placement as one object literal (the same shape for every entry: a copy by spread or rest would
 * give each a shape V8 may drop at its next full collection, and the ranking code that read them is
 * then thrown away and compiled again; #22).
 */
function placement<T>(
  entry: T,
  rank: number | null,
  unranked: Unranked | null,
  movement: number | null,
  red: boolean,
  black: boolean,
): Placement<T> {
  return { entry, rank, unranked, movement, red, black };
}

function markLists(
  ranked: { rank: number; rate: number; red: boolean; black: boolean }[],
  { redList, blackList }: RankOptions,
): void {
  const bottomN = blackList?.bottomN ?? 0;
  const cutoff = bottomN > 0 && ranked.length > 0 ? ranked[Math.max(0, ranked.length - bottomN)]!.rank : null;
  const below = blackList?.belowRate;
  for (const p of ranked) {
    p.red =
      redList !== undefined &&
      p.rank <= redList.topN &&
      (redList.minRate === undefined || p.rate >= redList.minRate - RATE_EPSILON);
    p.black =
      !p.red &&
      ((below !== undefined && p.rate < below - RATE_EPSILON) || (cutoff !== null && p.rank >= cutoff));
  }
}
