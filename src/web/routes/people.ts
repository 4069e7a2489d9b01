/**
 * The office's people pages: 责任单位 (a tree with unique codes) and user accounts (role, unit, home
 * 镇街 for 回避, active), with add and edit; a user's password can be reset. Nothing is deleted:
 * units are 停用, users deactivated. A refused form (a name or code taken, a bad value) is shown again
 * with what was typed and the message next to its field; a unit's 包联 社区 are ticked by 镇街.
 */
import { Router, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { allow, currentUser } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { idParam } from '../params.ts';
import { body, idOrNull, ids, text, type FormBody } from '../forms.ts';
import { createUnit, editUnit, setUnitLiaisons } from '../../services/units.ts';
import { UNIT_KIND_NAMES } from '../../labels.ts';
import { changePassword, createUser, editUser } from '../../services/accounts.ts';
import { allLiaisons, listUnits, type UnitKind } from '../../db/repos/units.ts';
import { findUserById, listUsers } from '../../db/repos/users.ts';
import { listCommunities, listStreets } from '../../db/repos/places.ts';
import { InvalidInput } from '../../errors.ts';
import { formRefusal, type Refusal } from '../refusal.ts';

/** What a page shows again after a refusal: the message, the form that was sent and which row it was. */
interface Again {
  refusal: Refusal;
  form: FormBody;
  /** the row whose inline form was refused; null for the 新增 form */
  editId: number | null;
}

/** Unit kinds that 包联 communities (district leaders' offices and departments, not the places' own units). */
const LIAISON_KINDS = new Set<UnitKind>(['department', 'other']);

export function peopleRouter(deps: AppDeps): Router {
  const r = Router();
  const office = allow(deps.db, 'office.manage');
  const db = deps.db;

  /** 镇街 with their active 社区, for the 包联 checkboxes. */
  function communitiesByStreet() {
    const communities = listCommunities(db).filter((c) => !c.retired_at);
    return listStreets(db)
      .filter((s) => !s.retired_at)
      .map((s) => ({ id: s.id, name: s.name, communities: communities.filter((c) => c.street_id === s.id) }))
      .filter((s) => s.communities.length > 0);
  }

  function renderUnits(res: Response, again: Again | null = null) {
    const units = listUnits(db);
    const byId = new Map(units.map((u) => [u.id, u]));
    const depth = (u: (typeof units)[number]): number =>
      u.parent_id && byId.get(u.parent_id) ? depth(byId.get(u.parent_id)!) + 1 : 0;
    const ordered: typeof units = [];
    const visit = (parent: number | null) => {
      for (const u of units.filter((x) => x.parent_id === parent)) {
        ordered.push(u);
        visit(u.id);
      }
    };
    visit(null);
    const liaisons = allLiaisons(db);
    const communityName = new Map(listCommunities(db).map((c) => [c.id, c.name]));
    res.status(again?.refusal.status ?? 200).render('people/units', {
      title: '责任单位',
      units: ordered.map((u) => {
        const mine = liaisons.filter((l) => l.unit_id === u.id).map((l) => l.community_id);
        return {
          ...u,
          depth: depth(u),
          kindName: UNIT_KIND_NAMES[u.kind],
          liaises: LIAISON_KINDS.has(u.kind) || mine.length > 0,
          liaisonIds: mine,
          liaisonNames: mine.map((id) => communityName.get(id) ?? ''),
        };
      }),
      all: units,
      kinds: UNIT_KIND_NAMES,
      streets: communitiesByStreet(),
      error: again?.refusal.error ?? null,
      fields: again?.refusal.fields ?? {},
      form: again && again.editId === null ? again.form : {},
      editId: again?.editId ?? null,
      editForm: again && again.editId !== null ? again.form : {},
    });
  }

  function renderUsers(res: Response, again: Again | null = null) {
    const units = listUnits(db);
    const streets = listStreets(db);
    res.status(again?.refusal.status ?? 200).render('people/users', {
      title: '用户',
      users: listUsers(db).map((u) => ({
        ...u,
        unitName: units.find((x) => x.id === u.unit_id)?.name ?? '',
        homeName: streets.find((x) => x.id === u.home_street_id)?.name ?? '',
      })),
      units,
      streets,
      error: again?.refusal.error ?? null,
      fields: again?.refusal.fields ?? {},
      form: again && again.editId === null ? again.form : {},
      editId: again?.editId ?? null,
      editForm: again && again.editId !== null ? again.form : {},
    });
  }

  /** Re-renders the page after a refusal of what was typed; anything else goes to the error middleware. */
  const refused = (
    err: unknown,
    req: { body?: unknown },
    editId: number | null,
    render: (again: Again) => void,
  ) => {
    const refusal = formRefusal(err);
    if (!refusal) throw err;
    // the password is never sent back into the page
    const { password: _password, ...form } = body(req);
    render({ refusal, form, editId });
  };

  const unitInput = (b: ReturnType<typeof body>) => ({
    code: text(b.code),
    name: text(b.name),
    kind: text(b.kind) as UnitKind,
    department: text(b.department),
    parentId: idOrNull(b.parentId),
  });

  r.get('/units', office, (_req, res) => renderUnits(res));
  r.post('/units', office, (req, res) => {
    try {
      createUnit(db, unitInput(body(req)), currentUser(res).id);
    } catch (err) {
      return refused(err, req, null, (again) => renderUnits(res, again));
    }
    flash(req, 'ok', `已新增单位“${text(body(req).name).trim()}”。`);
    res.redirect(303, '/units');
  });
  r.post('/units/:id', office, (req, res) => {
    const id = idParam(req.params.id, '单位');
    try {
      editUnit(db, id, unitInput(body(req)), currentUser(res).id);
    } catch (err) {
      return refused(err, req, id, (again) => renderUnits(res, again));
    }
    flash(req, 'ok', '已保存单位。');
    res.redirect(303, '/units');
  });
  r.post('/units/:id/liaisons', office, (req, res) => {
    const id = idParam(req.params.id, '单位');
    let count: number;
    try {
      count = setUnitLiaisons(db, id, ids(body(req).communities), currentUser(res).id);
    } catch (err) {
      return refused(err, req, id, (again) => renderUnits(res, again));
    }
    flash(req, 'ok', count ? `已保存包联社区（${count} 个）。` : '已清空包联社区。');
    res.redirect(303, `/units#unit-${id}`);
  });

  r.get('/users', office, (_req, res) => renderUsers(res));
  r.post('/users', office, async (req, res) => {
    const b = body(req);
    try {
      const unitId = idOrNull(b.unitId);
      const unit =
        unitId === null ? undefined : (listUnits(db).find((u) => u.id === unitId)?.code ?? `#${b.unitId}`);
      await createUser(
        db,
        {
          username: text(b.username),
          password: text(b.password),
          role: text(b.role),
          displayName: text(b.displayName),
          ...(unit ? { unit } : {}),
          homeStreetId: idOrNull(b.homeStreetId),
        },
        currentUser(res).id,
      );
    } catch (err) {
      return refused(err, req, null, (again) => renderUsers(res, again));
    }
    flash(req, 'ok', `已新增用户 ${text(b.username).trim()}。`);
    res.redirect(303, '/users');
  });
  r.post('/users/:id', office, (req, res) => {
    const b = body(req);
    const id = idParam(req.params.id, '用户');
    try {
      editUser(
        db,
        id,
        {
          displayName: text(b.displayName),
          role: text(b.role),
          unitId: idOrNull(b.unitId),
          homeStreetId: idOrNull(b.homeStreetId),
          active: text(b.active) === '1',
        },
        currentUser(res).id,
      );
    } catch (err) {
      return refused(err, req, id, (again) => renderUsers(res, again));
    }
    flash(req, 'ok', '已保存用户。');
    res.redirect(303, '/users');
  });
  r.post('/users/:id/password', office, async (req, res) => {
    const user = findUserById(db, idParam(req.params.id, '用户'));
    if (!user) throw new InvalidInput('找不到该用户');
    try {
      await changePassword(db, user.username, text(body(req).password), currentUser(res).id);
    } catch (err) {
      return refused(err, req, user.id, (again) => renderUsers(res, again));
    }
    flash(req, 'ok', `已重置 ${user.username} 的密码。`);
    res.redirect(303, '/users');
  });

  return r;
}
