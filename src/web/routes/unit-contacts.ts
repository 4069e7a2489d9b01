/**
 * A unit's contacts and group robot (#21): /units/:id/contacts shows the 负责人, the 联络员 and the
 * 企业微信 / 钉钉 robot that reminders reach, and whom overdue problems are copied to (the 包联 units of
 * the 社区 it stands for). The office edits it (the form is refused whole and shown again with what was
 * typed, never the secret); the unit's own users read it. services/unit-contacts.ts decides both.
 */
import { Router, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf, allow, requireLogin } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { idParam } from '../params.ts';
import { body, text } from '../forms.ts';
import type { Refusal } from '../refusal.ts';
import { changedOrShownAgain } from '../form-again.ts';
import { saveUnitContacts, unitContactsPage, type ContactsForm } from '../../services/unit-contacts.ts';

const FIELDS = /^(head|liaison)\.(name|mobile|email)$|^robot\.(kind|webhook|secret|clearSecret)$/;

export function unitContactsRouter(deps: AppDeps, _protect: RequestHandler): Router {
  const r = Router();
  const db = deps.db;

  const show = (res: Response, id: number, typed: ContactsForm | null, refused: Refusal | null = null) => {
    const page = unitContactsPage(db, actorOf(res), id);
    res.status(refused?.status ?? 200).render('people/contacts', {
      title: `${page.unit.name} · 联系人与群机器人`,
      page,
      // a typed secret is never shown again: it is typed anew
      typed: typed ? { ...typed, 'robot.secret': '' } : page.form,
      refused,
    });
  };

  r.get('/units/:id/contacts', requireLogin, (req, res) => show(res, idParam(req.params.id, '单位'), null));

  r.post('/units/:id/contacts', allow(db, 'office.manage'), async (req, res) => {
    const id = idParam(req.params.id, '单位');
    const typed: ContactsForm = {};
    // a field sent twice (a list) is no value at all: a control character every check refuses
    for (const [k, v] of Object.entries(body(req)))
      if (FIELDS.test(k)) typed[k] = v === undefined || typeof v === 'string' ? text(v) : '\u0000';
    let changed = false;
    const saved = await changedOrShownAgain(
      () => (changed = saveUnitContacts(db, actorOf(res), id, typed)),
      (refusal) => show(res, id, typed, refusal),
    );
    if (!saved) return;
    flash(req, 'ok', changed ? '已保存联系人与群机器人。' : '没有变化。');
    res.redirect(303, `/units/${id}/contacts`);
  });

  return r;
}
