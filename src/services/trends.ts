/**
 * A 社区's or 镇街's 得分率 across the rounds of one criteria family, up to the round being viewed.
 * Each earlier round is computed fresh, like every result (a district runs tens of rounds a year);
 * only rounds whose results the actor may read are drawn (a unit: the published ones).
 */
import { familyRounds } from '../db/repos/results.ts';
import { can, canOrReject, type Actor } from './access.ts';
import { baseResults, type ResultsCtx, type RoundResultsView } from './results.ts';

export interface TrendPoint {
  roundId: number;
  label: string;
  rate: number | null;
  /** the round counts documents too: its rate is the 综合得分率 */
  combined: boolean;
}

export function trendFor(
  ctx: ResultsCtx,
  actor: Actor,
  view: RoundResultsView,
  kind: 'street' | 'community',
  id: number,
): TrendPoint[] {
  canOrReject(ctx.db, actor, 'results.read', view.round);
  const rounds = familyRounds(ctx.db, view.family).filter(
    (r) =>
      r.id === view.round.id || (r.starts_on < view.round.starts_on && can(ctx.db, actor, 'results.read', r)),
  );
  return rounds.slice(-12).map((round) => {
    const results = round.id === view.round.id ? view.results : baseResults(ctx, round);
    const list = kind === 'street' ? results.streets : results.communities;
    return {
      roundId: round.id,
      label: round.name.replace(/实地测评$/, ''),
      rate: list.find((x) => x.id === id)?.rate ?? null,
      combined: results.combined !== undefined,
    };
  });
}
