/**
 * The demo's robot sink (#21), mounted only when the demo is on (config.demo): the demo units' 企业微信
 * and 钉钉 robots point at POST /demo-sink/wecom/send?key=… and /demo-sink/dingtalk/send?access_token=…
 * (&timestamp&sign), which answer as the robots do (services/demo-sink.ts), and GET /demo-sink shows the
 * office the last 200 messages, newest first: what each unit's group would have got.
 *
 * The POSTs are called by this server's own reminder channels, not by a browser: they are mounted before
 * the body parsers, the session and the CSRF check (like the residents' public pages), read at most 64 KB
 * of body themselves and always answer JSON. The messages are kept in memory, per app.
 */
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { allow } from '../middleware/auth.ts';
import { SINK_BODY_LIMIT, SINK_PATH, sinkAnswer, type SinkMessage } from '../../services/demo-sink.ts';
import type { RobotKind } from '../../db/repos/reminders.ts';
import { ROBOT_KIND_NAMES } from '../../labels.ts';
import { formatShanghai } from '../../util/time.ts';
import { now } from '../../util/clock.ts';

/** how many messages /demo-sink keeps */
export const SINK_KEEP = 200;

/**
 * The body as text, or null when it is larger than the sink reads: then no more of it is read (the
 * answer goes out at once and the connection is closed behind it).
 */
function readBody(req: Request): Promise<string | null> {
  return new Promise((resolve) => {
    if (Number(req.headers['content-length'] ?? 0) > SINK_BODY_LIMIT) return resolve(null);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= SINK_BODY_LIMIT) return void chunks.push(chunk);
      req.off('data', onData);
      req.pause();
      resolve(null);
    };
    req.on('data', onData);
    req.on('end', () => resolve(size > SINK_BODY_LIMIT ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

export function demoSinkRoutes(deps: AppDeps): { receive: Router; page: Router } {
  const { db } = deps;
  const kept: SinkMessage[] = [];

  const receive = Router();
  // the /notifications page links the sink when it is there
  receive.use((_req, res, next) => {
    res.locals.demoSink = true;
    next();
  });
  for (const kind of Object.keys(SINK_PATH) as RobotKind[])
    receive.post(SINK_PATH[kind], async (req: Request, res: Response) => {
      const raw = await readBody(req);
      if (raw === null) {
        res.set('Connection', 'close');
        res.status(413).json({ errcode: 413, errmsg: 'request entity too large' });
        res.on('finish', () => req.destroy());
        return;
      }
      const query = new URL(req.originalUrl, 'http://sink').searchParams;
      const { answer, message } = sinkAnswer(db, kind, query, raw, now());
      // only what reached one of the demo's groups is shown: strangers' posts to made-up keys are answered
      // as the robots answer them, not kept (they would push the groups' messages off the page)
      if (message?.unitName) {
        kept.unshift(message);
        kept.length = Math.min(kept.length, SINK_KEEP);
      }
      res.json(answer);
    });

  const page = Router();
  page.get('/demo-sink', allow(db, 'office.manage'), (_req, res) => {
    res.render('notifications/demo-sink', {
      title: '演示接收端 · 提醒',
      messages: kept.map((m) => ({
        ...m,
        at: formatShanghai(m.at),
        kindName: ROBOT_KIND_NAMES[m.kind],
        ok: m.answer.errcode === 0,
      })),
      keep: SINK_KEEP,
    });
  });
  return { receive, page };
}
