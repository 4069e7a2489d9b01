/**
 * The office's places pages: 镇街 and 社区 (with their 包联 units) and 点位 — list, add, edit, 停用 /
 * 恢复. Each form posts, the service validates, and a refused one (a bad value: 400; a name taken: 409)
 * re-renders the same page with what was typed and the message next to its field; nothing is ever deleted.
 * The services decide who may (the office) and what each page shows.
 */
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf, allow } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { idParam } from '../params.ts';
import { body, decimalOrNull, idOrNull, ids, text, type FormBody } from '../forms.ts';
import type { Refusal } from '../refusal.ts';
import { changedOrShownAgain } from '../form-again.ts';
import {
  createCommunity,
  createStreet,
  editCommunity,
  editStreet,
  setRetiredState,
} from '../../services/places.ts';
import { createSite, editSite, type SiteInput } from '../../services/sites.ts';
import { placesPage, siteFormChoices, sitePage, sitesPage } from '../../services/places-pages.ts';

/** Where each kind's 停用 / 恢复 goes back to. */
const RETIRE_BACK = { street: '/places', community: '/places', site: '/places/sites', unit: '/units' };

const siteInput = (b: FormBody): SiteInput => ({
  name: text(b.name),
  siteType: text(b.siteType),
  streetId: idOrNull(b.streetId) ?? NaN,
  communityId: idOrNull(b.communityId),
  address: text(b.address),
  lat: decimalOrNull(b.lat),
  lng: decimalOrNull(b.lng),
  responsibleUnitId: idOrNull(b.responsibleUnitId),
});

export function placesRouter(deps: AppDeps): Router {
  const r = Router();
  const office = allow(deps.db, 'office.manage');
  const db = deps.db;

  /**
   * The 镇街 and 社区 page; after a refusal, `which` names the refused form ('street' / 'community' for
   * the 新增 forms, 'street-<id>' / 'community-<id>' for a row) so only that form shows what was typed.
   */
  function renderPlaces(
    res: Response,
    refusal: Refusal | null = null,
    which: string | null = null,
    form = {},
  ) {
    res.status(refusal?.status ?? 200).render('places/index', {
      title: '镇街与社区',
      ...placesPage(db, actorOf(res)),
      error: refusal?.error ?? null,
      fields: refusal?.fields ?? {},
      which,
      form,
    });
  }

  function renderSites(res: Response, refusal: Refusal | null = null, form: FormBody = {}) {
    res.status(refusal?.status ?? 200).render('places/sites', {
      title: '点位',
      ...sitesPage(db, actorOf(res)),
      error: refusal?.error ?? null,
      fields: refusal?.fields ?? {},
      form,
    });
  }

  /** Makes a change from the 镇街 and 社区 page, or shows that page again with the refused form. */
  const placeChanged = (req: Request, res: Response, which: string, change: () => unknown) =>
    changedOrShownAgain(change, (refusal) => renderPlaces(res, refusal, which, body(req)));

  r.get('/places', office, (_req, res) => renderPlaces(res));

  r.post('/places/streets', office, async (req, res) => {
    const b = body(req);
    const add = () => createStreet(db, actorOf(res), text(b.name), idOrNull(b.unitId));
    if (!(await placeChanged(req, res, 'street', add))) return;
    flash(req, 'ok', `已新增镇街“${text(b.name).trim()}”。`);
    res.redirect(303, '/places');
  });

  r.post('/places/streets/:id', office, async (req, res) => {
    const b = body(req);
    const id = idParam(req.params.id, '镇街');
    const edit = () => editStreet(db, actorOf(res), id, text(b.name), idOrNull(b.unitId));
    if (!(await placeChanged(req, res, `street-${id}`, edit))) return;
    flash(req, 'ok', '已保存镇街。');
    res.redirect(303, '/places');
  });

  r.post('/places/communities', office, async (req, res) => {
    const b = body(req);
    const add = () =>
      createCommunity(db, actorOf(res), idOrNull(b.streetId) ?? NaN, text(b.name), idOrNull(b.unitId));
    if (!(await placeChanged(req, res, 'community', add))) return;
    flash(req, 'ok', `已新增社区“${text(b.name).trim()}”。`);
    res.redirect(303, '/places');
  });

  r.post('/places/communities/:id', office, async (req, res) => {
    const b = body(req);
    const id = idParam(req.params.id, '社区');
    const edit = () =>
      editCommunity(db, actorOf(res), id, {
        streetId: idOrNull(b.streetId) ?? NaN,
        name: text(b.name),
        unitId: idOrNull(b.unitId),
        liaisonUnitIds: ids(b.liaisons),
      });
    if (!(await placeChanged(req, res, `community-${id}`, edit))) return;
    flash(req, 'ok', '已保存社区及其包联单位。');
    res.redirect(303, '/places');
  });

  r.get('/places/sites', office, (_req, res) => renderSites(res));

  r.post('/places/sites', office, async (req, res) => {
    const input = siteInput(body(req));
    const add = () => createSite(db, actorOf(res), input);
    if (!(await changedOrShownAgain(add, (refusal) => renderSites(res, refusal, body(req))))) return;
    flash(req, 'ok', `已新增点位“${input.name.trim()}”。`);
    res.redirect(303, '/places/sites');
  });

  r.get('/places/sites/:id', office, (req, res) => {
    const page = sitePage(db, actorOf(res), idParam(req.params.id, '点位'));
    res.render('places/site-edit', {
      title: `编辑点位 · ${page.site.name}`,
      ...page,
      error: null,
      fields: {},
    });
  });

  r.post('/places/sites/:id', office, async (req, res) => {
    const id = idParam(req.params.id, '点位');
    const input = siteInput(body(req));
    // refused: the edit page again, its form holding what was typed
    const again = (refusal: Refusal) =>
      res.status(refusal.status).render('places/site-edit', {
        title: '编辑点位',
        ...siteFormChoices(db, actorOf(res)),
        site: {
          id,
          ...body(req),
          site_type: input.siteType,
          street_id: input.streetId,
          community_id: input.communityId,
          responsible_unit_id: input.responsibleUnitId,
        },
        error: refusal.error,
        fields: refusal.fields,
      });
    if (!(await changedOrShownAgain(() => editSite(db, actorOf(res), id, input), again))) return;
    flash(req, 'ok', '已保存点位。');
    res.redirect(303, '/places/sites');
  });

  r.post('/retire/:kind/:id', office, (req, res) => {
    const retired = text(body(req).retired) !== '0';
    const kind = setRetiredState(db, actorOf(res), text(req.params.kind), idParam(req.params.id), retired);
    flash(req, 'ok', retired ? '已停用（历史记录保留）。' : '已恢复。');
    res.redirect(303, RETIRE_BACK[kind]);
  });

  return r;
}
