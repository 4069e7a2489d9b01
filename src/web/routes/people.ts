/**
 * The office's people pages: 责任单位 (a tree with unique codes) and user accounts (role, unit, home
 * 镇街 for 回避, active), with add and edit; a user's password can be reset. Nothing is deleted:
 * units are 停用, users deactivated. A refused form (a name or code taken, a bad value) is shown again
 * with what was typed and the message next to its field; a unit's 包联 社区 are ticked by 镇街.
 * The services decide who may (the office) and what each page shows.
 */
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf, allow } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { idParam } from '../params.ts';
import { body, idOrNull, ids, text, type FormBody } from '../forms.ts';
import type { Refusal } from '../refusal.ts';
import { changedOrShownAgain } from '../form-again.ts';
import { createUnit, editUnit, setUnitLiaisons, type UnitInput } from '../../services/units.ts';
import { changePassword, createUser, editUser } from '../../services/accounts.ts';
import { unitsPage, usersPage } from '../../services/people-pages.ts';

/** What a page shows again after a refusal: the message, the form that was sent and which row it was. */
interface Again {
  refusal: Refusal;
  form: FormBody;
  /** the row whose inline form was refused; null for the 新增 form */
  editId: number | null;
}

/** The refusal's part of the page: the messages, and what was typed into the one form that was refused. */
function refusalView(again: Again | null) {
  return {
    error: again?.refusal.error ?? null,
    fields: again?.refusal.fields ?? {},
    form: again && again.editId === null ? again.form : {},
    editId: again?.editId ?? null,
    editForm: again && again.editId !== null ? again.form : {},
  };
}

const unitInput = (b: FormBody): UnitInput => ({
  code: text(b.code),
  name: text(b.name),
  kind: text(b.kind) as UnitInput['kind'],
  department: text(b.department),
  parentId: idOrNull(b.parentId),
});

export function peopleRouter(deps: AppDeps): Router {
  const r = Router();
  const office = allow(deps.db, 'office.manage');
  const db = deps.db;

  function renderUnits(res: Response, again: Again | null = null) {
    res.status(again?.refusal.status ?? 200).render('people/units', {
      title: '责任单位',
      ...unitsPage(db, actorOf(res)),
      ...refusalView(again),
    });
  }

  function renderUsers(res: Response, again: Again | null = null) {
    res.status(again?.refusal.status ?? 200).render('people/users', {
      title: '用户',
      ...usersPage(db, actorOf(res)),
      ...refusalView(again),
    });
  }

  /** Shows the page again with what was typed (never the password) when the change is refused. */
  const changed = (
    req: Request,
    editId: number | null,
    render: (again: Again) => void,
    change: () => unknown,
  ) =>
    changedOrShownAgain(change, (refusal) => {
      const { password: _password, ...form } = body(req);
      render({ refusal, form, editId });
    });

  r.get('/units', office, (_req, res) => renderUnits(res));
  r.post('/units', office, async (req, res) => {
    const input = unitInput(body(req));
    const again = (a: Again) => renderUnits(res, a);
    if (!(await changed(req, null, again, () => createUnit(db, actorOf(res), input)))) return;
    flash(req, 'ok', `已新增单位“${input.name.trim()}”。`);
    res.redirect(303, '/units');
  });
  r.post('/units/:id', office, async (req, res) => {
    const id = idParam(req.params.id, '单位');
    const again = (a: Again) => renderUnits(res, a);
    if (!(await changed(req, id, again, () => editUnit(db, actorOf(res), id, unitInput(body(req)))))) return;
    flash(req, 'ok', '已保存单位。');
    res.redirect(303, '/units');
  });
  r.post('/units/:id/liaisons', office, async (req, res) => {
    const id = idParam(req.params.id, '单位');
    let count = 0;
    const again = (a: Again) => renderUnits(res, a);
    const set = () => (count = setUnitLiaisons(db, actorOf(res), id, ids(body(req).communities)));
    if (!(await changed(req, id, again, set))) return;
    flash(req, 'ok', count ? `已保存包联社区（${count} 个）。` : '已清空包联社区。');
    res.redirect(303, `/units#unit-${id}`);
  });

  r.get('/users', office, (_req, res) => renderUsers(res));
  r.post('/users', office, async (req, res) => {
    const b = body(req);
    const input = {
      username: text(b.username),
      password: text(b.password),
      role: text(b.role),
      displayName: text(b.displayName),
      unit: idOrNull(b.unitId),
      homeStreetId: idOrNull(b.homeStreetId),
    };
    const again = (a: Again) => renderUsers(res, a);
    if (!(await changed(req, null, again, () => createUser(db, actorOf(res), input)))) return;
    flash(req, 'ok', `已新增用户 ${input.username.trim()}。`);
    res.redirect(303, '/users');
  });
  r.post('/users/:id', office, async (req, res) => {
    const b = body(req);
    const id = idParam(req.params.id, '用户');
    const input = {
      displayName: text(b.displayName),
      role: text(b.role),
      unitId: idOrNull(b.unitId),
      homeStreetId: idOrNull(b.homeStreetId),
      active: text(b.active) === '1',
    };
    const again = (a: Again) => renderUsers(res, a);
    if (!(await changed(req, id, again, () => editUser(db, actorOf(res), id, input)))) return;
    flash(req, 'ok', '已保存用户。');
    res.redirect(303, '/users');
  });
  r.post('/users/:id/password', office, async (req, res) => {
    const id = idParam(req.params.id, '用户');
    let username = '';
    const again = (a: Again) => renderUsers(res, a);
    const change = async () => {
      username = (await changePassword(db, actorOf(res), id, text(body(req).password))).username;
    };
    if (!(await changed(req, id, again, change))) return;
    flash(req, 'ok', `已重置 ${username} 的密码。`);
    res.redirect(303, '/users');
  });

  return r;
}
