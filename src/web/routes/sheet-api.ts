/**
 * The tablet script's endpoints of a scoring sheet (its state, autosave batches, photos, the queued
 * submit, the location), speaking the protocol of src/protocol/sheet.ts. The sheet's page and its
 * plain form are in sheets.ts.
 */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { currentUser } from '../middleware/auth.ts';
import { photoUpload } from '../middleware/uploads.ts';
import { idParam } from '../params.ts';
import { sheetScope, type SheetCtx } from '../../services/sheet-access.ts';
import type { RefusalReply, SheetState } from '../../protocol/sheet.ts';
import { recordLocation, saveChanges } from '../../services/sheets.ts';
import { submitBlockers, submitSheetOnce, SubmitBlocked } from '../../services/sheet-submit.ts';
import { addEvidencePhoto, deleteEvidencePhoto } from '../../services/evidence-photos.ts';
import { listAnswers } from '../../db/repos/inspections.ts';
import { listInspectionPhotos } from '../../db/repos/photos.ts';
import { presentPhoto } from '../presenters/sheet.ts';
import { stateText } from '../presenters/rounds.ts';
import { ids } from './sheets.ts';

/**
 * The tablet script's endpoints (state, autosave, photos, submit). A router of their own, mounted
 * right after login so that the most frequent requests — a sheet's saves — are not matched against
 * every page route first (that walk was a tenth of an autosave's time).
 */
export function sheetsApiRouter(deps: AppDeps, csrfProtect: Parameters<typeof photoUpload>[0]): Router {
  const r = Router();
  const ctx: SheetCtx = { db: deps.db, criteria: deps.criteria, uploadDir: deps.config.uploadDir };

  r.get('/api/rounds/:rid/sites/:sid', (req, res) => {
    const user = currentUser(res);
    const [roundId, siteId] = ids(req);
    const scope = sheetScope(ctx, user, roundId, siteId);
    const answers = scope.sheet ? listAnswers(deps.db, scope.sheet.id) : [];
    const photos = scope.sheet ? listInspectionPhotos(deps.db, scope.sheet.id) : [];
    const state: SheetState = {
      revision: scope.sheet?.revision ?? 0,
      status: scope.sheet?.status ?? 'none',
      returnedReason: scope.sheet?.status === 'returned' ? scope.sheet.returned_reason : null,
      answers: answers.map((a) => ({
        standard: a.standard_code,
        result: a.result,
        cases: a.cases,
        fixedCases: a.fixed_cases,
        note: a.note,
        corrected: !!a.corrected,
      })),
      photos: photos.map((p) => ({ ...presentPhoto(p), standard: p.standard_code })),
      blockers: submitBlockers(ctx, scope),
      // My sites' card of this sheet, so the list can follow a sync without a reload
      card: {
        state:
          !scope.sheet || (scope.sheet.status === 'draft' && !answers.length) ? 'none' : scope.sheet.status,
        stateText: stateText({
          status: scope.sheet?.status ?? 'none',
          answered: answers.length,
          total: scope.standards.length,
        }),
      },
    };
    res.json(state);
  });

  r.post('/api/rounds/:rid/sites/:sid/changes', (req, res) => {
    const [roundId, siteId] = ids(req);
    res.json(saveChanges(ctx, currentUser(res), roundId, siteId, req.body));
  });

  // submit from the offline queue: idempotent under the device's submitId (the form post above stays for no-JS)
  r.post('/api/rounds/:rid/sites/:sid/submit', (req, res) => {
    const [roundId, siteId] = ids(req);
    try {
      res.json(submitSheetOnce(ctx, currentUser(res), roundId, siteId, req.body));
    } catch (err) {
      if (err instanceof SubmitBlocked)
        return void res
          .status(400)
          .json({ error: err.message, blockers: err.blockers } satisfies RefusalReply);
      throw err;
    }
  });

  r.post('/api/rounds/:rid/sites/:sid/photos', ...photoUpload(csrfProtect, 1), async (req, res) => {
    const [roundId, siteId] = ids(req);
    const file = ((req.files as Express.Multer.File[] | undefined) ?? []).find(
      (f) => f.fieldname === 'photo',
    );
    const body = (req.body ?? {}) as Record<string, unknown>;
    const photo = await addEvidencePhoto(ctx, currentUser(res), roundId, siteId, {
      clientId: body.clientId,
      standard: body.standard,
      buffer: file?.buffer,
      originalName: file?.originalname ?? '',
    });
    res.status(201).json({ ...presentPhoto(photo), standard: photo.standard_code });
  });

  r.post('/api/rounds/:rid/sites/:sid/photos/:pid/delete', (req, res) => {
    const [roundId, siteId] = ids(req);
    deleteEvidencePhoto(ctx, currentUser(res), roundId, siteId, idParam(req.params.pid, '照片'));
    res.json({ ok: true });
  });

  r.post('/api/rounds/:rid/sites/:sid/location', (req, res) => {
    const [roundId, siteId] = ids(req);
    recordLocation(ctx, currentUser(res), roundId, siteId, req.body);
    res.json({ ok: true });
  });

  return r;
}
