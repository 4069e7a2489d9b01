/**
 * The office's people pages: 责任单位 (a tree with unique codes) and user accounts (role, unit, home
 * 镇街 for 回避, active), with add and edit; a user's password can be reset. Nothing is deleted:
 * units are 停用, users deactivated.
 */
import { Router, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { currentUser, requireRole } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { idParam } from '../params.ts';
import { body, idOrNull, text } from '../forms.ts';
import { createUnit, editUnit, UNIT_KIND_NAMES } from '../../services/places.ts';
import { changePassword, createUser, editUser } from '../../services/accounts.ts';
import { listUnits, type UnitKind } from '../../db/repos/units.ts';
import { findUserById, listUsers } from '../../db/repos/users.ts';
import { listStreets } from '../../db/repos/places.ts';
import { AppError, InvalidInput } from '../../errors.ts';

export function peopleRouter(deps: AppDeps): Router {
  const r = Router();
  const office = requireRole('office');
  const db = deps.db;

  function renderUnits(res: Response, status = 200, error: string | null = null) {
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
    res.status(status).render('people/units', {
      title: '责任单位',
      units: ordered.map((u) => ({ ...u, depth: depth(u), kindName: UNIT_KIND_NAMES[u.kind] })),
      all: units,
      kinds: UNIT_KIND_NAMES,
      error,
    });
  }

  function renderUsers(res: Response, status = 200, error: string | null = null) {
    const units = listUnits(db);
    const streets = listStreets(db);
    res.status(status).render('people/users', {
      title: '用户',
      users: listUsers(db).map((u) => ({
        ...u,
        unitName: units.find((x) => x.id === u.unit_id)?.name ?? '',
        homeName: streets.find((x) => x.id === u.home_street_id)?.name ?? '',
      })),
      units,
      streets,
      error,
    });
  }

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
      if (err instanceof InvalidInput) return renderUnits(res, 400, err.message);
      throw err;
    }
    flash(req, 'ok', '已新增单位。');
    res.redirect(303, '/units');
  });
  r.post('/units/:id', office, (req, res) => {
    try {
      editUnit(db, idParam(req.params.id, '单位'), unitInput(body(req)), currentUser(res).id);
    } catch (err) {
      if (err instanceof InvalidInput) return renderUnits(res, 400, err.message);
      throw err;
    }
    flash(req, 'ok', '已保存单位。');
    res.redirect(303, '/units');
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
      if (err instanceof AppError && err.status < 500) return renderUsers(res, 400, err.message);
      throw err;
    }
    flash(req, 'ok', `已新增用户 ${text(b.username).trim()}。`);
    res.redirect(303, '/users');
  });
  r.post('/users/:id', office, (req, res) => {
    const b = body(req);
    try {
      editUser(
        db,
        idParam(req.params.id, '用户'),
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
      if (err instanceof AppError && err.status < 500) return renderUsers(res, 400, err.message);
      throw err;
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
      if (err instanceof AppError && err.status < 500) return renderUsers(res, 400, err.message);
      throw err;
    }
    flash(req, 'ok', `已重置 ${user.username} 的密码。`);
    res.redirect(303, '/users');
  });

  return r;
}
