/**
 * The office's places pages: 镇街 and 社区 (with their 包联 units) and 点位 — list, add, edit, 停用 /
 * 恢复. Each form posts, the service validates, and a refused one (a bad value: 400; a name taken: 409)
 * re-renders the same page with what was typed and the message next to its field; nothing is ever deleted.
 */
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { allow, currentUser } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { idParam } from '../params.ts';
import { body, decimalOrNull, idOrNull, ids, text, type FormBody } from '../forms.ts';
import {
  createCommunity,
  createStreet,
  editCommunity,
  editStreet,
  setRetiredState,
  type Retirable,
} from '../../services/places.ts';
import { createSite, editSite } from '../../services/sites.ts';
import {
  findSiteById,
  listCommunities,
  listSites,
  listSiteTypes,
  listStreets,
} from '../../db/repos/places.ts';
import { allLiaisons, listUnits } from '../../db/repos/units.ts';
import { InvalidInput } from '../../errors.ts';
import { formRefusal } from '../refusal.ts';

export function placesRouter(deps: AppDeps): Router {
  const r = Router();
  const office = allow(deps.db, 'office.manage');
  const db = deps.db;

  /**
   * `form` is what was typed into the refused form named by `which` ('street' / 'community' for the
   * 新增 forms, 'street-<id>' / 'community-<id>' for a row), so only that form shows it again.
   */
  function renderPlaces(
    res: Response,
    status = 200,
    error: string | null = null,
    fields: Record<string, string> = {},
    which: string | null = null,
    form: FormBody = {},
  ) {
    const units = listUnits(db);
    const unitName = new Map(units.map((u) => [u.id, u.name]));
    const liaisons = allLiaisons(db);
    const communities = listCommunities(db).map((c) => ({
      ...c,
      unitName: c.unit_id ? unitName.get(c.unit_id) : '',
      liaisonIds: liaisons.filter((l) => l.community_id === c.id).map((l) => l.unit_id),
      liaisonNames: liaisons.filter((l) => l.community_id === c.id).map((l) => unitName.get(l.unit_id)),
    }));
    // 包联 is done by district leaders' offices and departments, not by the places' own units
    const liaisonUnits = units.filter(
      (u) =>
        (u.kind !== 'community' && u.kind !== 'street' && !u.retired_at) ||
        liaisons.some((l) => l.unit_id === u.id),
    );
    res.status(status).render('places/index', {
      title: '镇街与社区',
      streets: listStreets(db).map((s) => ({ ...s, unitName: s.unit_id ? unitName.get(s.unit_id) : '' })),
      communities,
      units,
      liaisonUnits,
      error,
      fields,
      which,
      form,
    });
  }

  function renderSites(
    res: Response,
    status = 200,
    error: string | null = null,
    fields: Record<string, string> = {},
    form: Record<string, unknown> = {},
  ) {
    const units = listUnits(db);
    const unitName = new Map(units.map((u) => [u.id, u.name]));
    const types = listSiteTypes(db);
    const typeName = new Map(types.map((t) => [t.code, t.name]));
    const streets = listStreets(db);
    const communities = listCommunities(db);
    const sites = listSites(db).map((s) => ({
      ...s,
      typeName: typeName.get(s.site_type) ?? s.site_type,
      streetName: streets.find((x) => x.id === s.street_id)?.name ?? '',
      communityName: communities.find((x) => x.id === s.community_id)?.name ?? '镇街直属',
      unitName: s.responsible_unit_id ? unitName.get(s.responsible_unit_id) : '',
    }));
    res.status(status).render('places/sites', {
      title: '点位',
      sites,
      types,
      streets,
      communities,
      units,
      error,
      fields,
      form,
    });
  }

  const fail = (
    res: Response,
    err: unknown,
    again: (status: number, message: string, fields: Record<string, string>) => void,
  ) => {
    const refusal = formRefusal(err);
    if (!refusal) throw err;
    return again(refusal.status, refusal.error, refusal.fields);
  };

  r.get('/places', office, (_req, res) => renderPlaces(res));

  r.post('/places/streets', office, (req, res) => {
    const b = body(req);
    try {
      createStreet(db, text(b.name), idOrNull(b.unitId), currentUser(res).id);
    } catch (err) {
      return fail(res, err, (s, m, f) => renderPlaces(res, s, m, f, 'street', b));
    }
    flash(req, 'ok', `已新增镇街“${text(b.name).trim()}”。`);
    res.redirect(303, '/places');
  });

  r.post('/places/streets/:id', office, (req, res) => {
    const b = body(req);
    const id = idParam(req.params.id, '镇街');
    try {
      editStreet(db, id, text(b.name), idOrNull(b.unitId), currentUser(res).id);
    } catch (err) {
      return fail(res, err, (s, m, f) => renderPlaces(res, s, m, f, `street-${id}`, b));
    }
    flash(req, 'ok', '已保存镇街。');
    res.redirect(303, '/places');
  });

  r.post('/places/communities', office, (req, res) => {
    const b = body(req);
    try {
      createCommunity(db, idOrNull(b.streetId) ?? NaN, text(b.name), idOrNull(b.unitId), currentUser(res).id);
    } catch (err) {
      return fail(res, err, (s, m, f) => renderPlaces(res, s, m, f, 'community', b));
    }
    flash(req, 'ok', `已新增社区“${text(b.name).trim()}”。`);
    res.redirect(303, '/places');
  });

  r.post('/places/communities/:id', office, (req, res) => {
    const b = body(req);
    const id = idParam(req.params.id, '社区');
    try {
      editCommunity(
        db,
        id,
        {
          streetId: idOrNull(b.streetId) ?? NaN,
          name: text(b.name),
          unitId: idOrNull(b.unitId),
          liaisonUnitIds: ids(b.liaisons),
        },
        currentUser(res).id,
      );
    } catch (err) {
      return fail(res, err, (s, m, f) => renderPlaces(res, s, m, f, `community-${id}`, b));
    }
    flash(req, 'ok', '已保存社区及其包联单位。');
    res.redirect(303, '/places');
  });

  r.get('/places/sites', office, (_req, res) => renderSites(res));

  const siteInput = (req: Request) => {
    const b = body(req);
    return {
      name: text(b.name),
      siteType: text(b.siteType),
      streetId: idOrNull(b.streetId) ?? NaN,
      communityId: idOrNull(b.communityId),
      address: text(b.address),
      lat: decimalOrNull(b.lat),
      lng: decimalOrNull(b.lng),
      responsibleUnitId: idOrNull(b.responsibleUnitId),
    };
  };

  r.post('/places/sites', office, (req, res) => {
    const input = siteInput(req);
    try {
      createSite(db, input, currentUser(res).id);
    } catch (err) {
      return fail(res, err, (s, m, f) => renderSites(res, s, m, f, body(req)));
    }
    flash(req, 'ok', `已新增点位“${input.name.trim()}”。`);
    res.redirect(303, '/places/sites');
  });

  r.get('/places/sites/:id', office, (req, res) => {
    const site = findSiteById(db, idParam(req.params.id, '点位'));
    if (!site) throw new InvalidInput('找不到该点位');
    res.render('places/site-edit', {
      title: `编辑点位 · ${site.name}`,
      site,
      types: listSiteTypes(db),
      streets: listStreets(db),
      communities: listCommunities(db),
      units: listUnits(db),
      error: null,
      fields: {},
    });
  });

  r.post('/places/sites/:id', office, (req, res) => {
    const id = idParam(req.params.id, '点位');
    const input = siteInput(req);
    try {
      editSite(db, id, input, currentUser(res).id);
    } catch (err) {
      const refusal = formRefusal(err);
      if (!refusal) throw err;
      return res.status(refusal.status).render('places/site-edit', {
        title: '编辑点位',
        site: {
          id,
          ...body(req),
          site_type: input.siteType,
          street_id: input.streetId,
          community_id: input.communityId,
          responsible_unit_id: input.responsibleUnitId,
        },
        types: listSiteTypes(db),
        streets: listStreets(db),
        communities: listCommunities(db),
        units: listUnits(db),
        error: refusal.error,
        fields: refusal.fields,
      });
    }
    flash(req, 'ok', '已保存点位。');
    res.redirect(303, '/places/sites');
  });

  r.post('/retire/:kind/:id', office, (req, res) => {
    const kind = req.params.kind as Retirable;
    if (!['street', 'community', 'site', 'unit'].includes(kind)) throw new InvalidInput('无效的操作');
    const retired = text(body(req).retired) !== '0';
    setRetiredState(db, kind, idParam(req.params.id), retired, currentUser(res).id);
    flash(req, 'ok', retired ? '已停用（历史记录保留）。' : '已恢复。');
    const back = { street: '/places', community: '/places', site: '/places/sites', unit: '/units' }[kind];
    res.redirect(303, back);
  });

  return r;
}
