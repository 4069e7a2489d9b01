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
import type { SheetCtx } from '../../services/sheet-access.ts';
import { recordLocation, saveChangesTogether } from '../../services/sheets.ts';
import { sheetData } from '../../services/sheet-pages.ts';
import { submitSheetOnceTogether } from '../../services/sheet-submit.ts';
import { addEvidencePhoto, deleteEvidencePhoto } from '../../services/evidence-photos.ts';
import { presentPhoto, presentSheetState } from '../presenters/sheet.ts';
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
    const [roundId, siteId] = ids(req);
    res.json(presentSheetState(sheetData(ctx, currentUser(res), roundId, siteId)));
  });

  // saves and submits of the same moment share one commit (group commit: db/connection.ts), answered
  // once it is done; they are applied in the order they arrived
  r.post('/api/rounds/:rid/sites/:sid/changes', async (req, res) => {
    const [roundId, siteId] = ids(req);
    res.json(await saveChangesTogether(ctx, currentUser(res), roundId, siteId, req.body));
  });

  // submit from the offline queue: idempotent under the device's submitId (the form post above stays for no-JS)
  r.post('/api/rounds/:rid/sites/:sid/submit', async (req, res) => {
    const [roundId, siteId] = ids(req);
    // refused with blockers: SubmitBlocked's reply lists them (the error middleware answers)
    res.json(await submitSheetOnceTogether(ctx, currentUser(res), roundId, siteId, req.body));
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
