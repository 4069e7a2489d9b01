/**
 * A 社区's or 镇街's 得分率 across the rounds of one criteria family, up to the round being viewed.
 * Each earlier round is computed fresh, like every result (a district runs tens of rounds a year).
 */
import { familyRounds } from '../db/repos/results.ts';
import { baseResults, type ResultsCtx, type RoundResultsView } from './results.ts';

export interface TrendPoint {
  roundId: number;
  label: string;
  rate: number | null;
}

export function trendFor(
  ctx: ResultsCtx,
  view: RoundResultsView,
  kind: 'street' | 'community',
  id: number,
): TrendPoint[] {
  const rounds = familyRounds(ctx.db, view.family).filter(
    (r) => r.starts_on < view.round.starts_on || r.id === view.round.id,
  );
  return rounds.slice(-12).map((round) => {
    const results = round.id === view.round.id ? view.results : baseResults(ctx, round);
    const list = kind === 'street' ? results.streets : results.communities;
    return {
      roundId: round.id,
      label: round.name.replace(/实地测评$/, ''),
      rate: list.find((x) => x.id === id)?.rate ?? null,
    };
  });
}
