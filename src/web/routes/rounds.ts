/** GET /rounds and GET /rounds/:id: the rounds a user may see, and one round's summary. */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { currentUser } from '../middleware/auth.ts';
import { readableRound, roundsVisibleTo } from '../../services/access-scopes.ts';
import { progressByInspector, progressByStreet, roundCounts } from '../../db/repos/rounds.ts';
import { listSubmissions } from '../../db/repos/inspections.ts';
import { siteTypeNames } from '../../db/repos/places.ts';
import type { UserRow } from '../../db/repos/users.ts';
import type { FieldErrors } from '../../errors.ts';
import { idParam } from '../params.ts';
import { presentRound, selectionText } from '../presenters/rounds.ts';

/**
 * What the round page shows to this user; a refused action on the page (a withdrawal without its
 * reason) renders it again with the message and what was typed.
 */
export function roundPage(
  deps: AppDeps,
  user: UserRow,
  roundId: number,
  refused: { error: string; fields: FieldErrors; form: Record<string, string> } | null = null,
) {
  const round = readableRound(deps.db, user, roundId);
  const office =
    user.role === 'office'
      ? {
          selectionText: selectionText(round.selection, siteTypeNames(deps.db)),
          waiting: listSubmissions(deps.db, round.id, 'submitted').length,
          byInspector: progressByInspector(deps.db, round.id),
          byStreet: progressByStreet(deps.db, round.id),
        }
      : null;
  return {
    title: round.name,
    round: presentRound(deps, round, roundCounts(deps.db, round.id)),
    office,
    error: refused?.error ?? null,
    fields: refused?.fields ?? {},
    form: refused?.form ?? {},
  };
}

export function roundsRouter(deps: AppDeps): Router {
  const r = Router();
  r.get('/rounds', (_req, res) => {
    const user = currentUser(res);
    const rounds = roundsVisibleTo(deps.db, user).map((round) =>
      presentRound(deps, round, roundCounts(deps.db, round.id)),
    );
    res.render('rounds/index', { title: '测评轮次', rounds, canCreate: user.role === 'office' });
  });
  r.get('/rounds/:id', (req, res) => {
    res.render('rounds/show', roundPage(deps, currentUser(res), idParam(req.params.id, '测评轮次')));
  });
  return r;
}
