/**
 * 工作日日历 (/calendar): the office's page of the working-day calendar — the years built in, the years
 * it entered, this year and next when nobody knows them — and the form to enter a year's holidays and
 * make-up working days (services/calendar.ts).
 */
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { body, text } from '../forms.ts';
import type { Refusal } from '../refusal.ts';
import { changedOrShownAgain } from '../form-again.ts';
import { calendarPage, enterCalendarYear } from '../../services/calendar.ts';
import { shanghaiDate } from '../../util/time.ts';

export function calendarRouter(deps: AppDeps): Router {
  const r = Router();
  const show = (res: Response, typed = { year: '', days: '' }, refused: Refusal | null = null) =>
    res.render('calendar/index', {
      title: '工作日日历',
      page: calendarPage(deps.db, actorOf(res)),
      typed,
      refused,
    });

  // the year to enter is most often next year's (published in November or December)
  r.get('/calendar', (_req, res) =>
    show(res, { year: String(Number(shanghaiDate().slice(0, 4)) + 1), days: '' }),
  );

  r.post('/calendar', async (req: Request, res: Response) => {
    const typed = { year: text(body(req).year), days: text(body(req).days) };
    let entered = 0;
    const changed = await changedOrShownAgain(
      () => (entered = enterCalendarYear(deps.db, actorOf(res), typed.year, typed.days)),
      (refusal) => {
        res.status(refusal.status);
        show(res, typed, refusal);
      },
    );
    if (!changed) return;
    flash(req, 'ok', `已保存 ${typed.year.trim()} 年的节假日安排（${entered} 天）。`);
    res.redirect(303, '/calendar');
  });

  return r;
}
