/**
 * createApp(deps): the Express application, built from its dependencies and nothing global. It does not
 * listen; server.ts (or a test) does. Middleware order: security headers → static files → body parsers →
 * session → user → CSRF → routes → 404 → errors.
 */
import express, { type Express } from 'express';
import ejs from 'ejs';
import session from 'express-session';
import helmet from 'helmet';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.ts';
import type { Db } from './db/connection.ts';
import type { CriteriaCache } from './services/criteria-registry.ts';
import { SqliteSessionStore } from './web/middleware/session-store.ts';
import { loadUser, requireLogin } from './web/middleware/auth.ts';
import { takeFlash } from './web/middleware/flash.ts';
import { errorHandler, notFound } from './web/middleware/errors.ts';
import { authRouter } from './web/routes/auth.ts';
import { homeRouter } from './web/routes/home.ts';
import { roundsRouter } from './web/routes/rounds.ts';
import { healthRouter } from './web/routes/health.ts';
import { ROLE_NAMES } from './labels.ts';
import { TASK_MULTIPART_ROUTES, tasksRouter } from './web/routes/tasks.ts';
import { TASK_REVIEW_MULTIPART_ROUTES, taskReviewRouter } from './web/routes/task-review.ts';
import { materialsRouter } from './web/routes/materials.ts';
import { lazyCsrfToken, makeCsrf } from './web/middleware/csrf.ts';
import { SHEET_MULTIPART_ROUTES, sheetsRouter } from './web/routes/sheets.ts';
import { sheetsApiRouter } from './web/routes/sheet-api.ts';
import { photosRouter } from './web/routes/photos.ts';
import { roundAdminRouter } from './web/routes/round-admin.ts';
import { assignmentsRouter } from './web/routes/assignments.ts';
import { placesRouter } from './web/routes/places.ts';
import { peopleRouter } from './web/routes/people.ts';
import { auditRouter } from './web/routes/audit.ts';
import { CRITERIA_MULTIPART_ROUTES, criteriaRouter } from './web/routes/criteria.ts';
import { IMPORT_MULTIPART_ROUTES, importsRouter } from './web/routes/imports.ts';
import { resultsRouter } from './web/routes/results.ts';
import { PROBLEM_MULTIPART_ROUTES, problemsRouter } from './web/routes/problems.ts';
import { helpRouter } from './web/routes/help.ts';
import { publicSurveyRouter } from './web/routes/public-survey.ts';
import { surveysRouter } from './web/routes/surveys.ts';
import { interviewsRouter } from './web/routes/interviews.ts';
import { surveyResultsRouter } from './web/routes/survey-results.ts';
import { forgetOldAddresses } from './services/surveys.ts';
import { forgetReportPrivacy } from './services/reports-public.ts';
import { startReminders, type ReminderScheduler } from './services/reminder-scheduler.ts';
import { makeChannels } from './notify/channels.ts';
import { calendarRouter } from './web/routes/calendar.ts';
import { RECORD_MULTIPART_ROUTES, problemRecordRouter } from './web/routes/problem-record.ts';
import { REPORT_MULTIPART_ROUTES, reportsRouter } from './web/routes/reports.ts';
import { HOTLINE_MULTIPART_ROUTES, hotlineRouter } from './web/routes/hotline.ts';
import { problemSettingsRouter } from './web/routes/problem-settings.ts';
import { publicReportRouter } from './web/routes/public-report.ts';
import { notificationsRouter } from './web/routes/notifications.ts';
import { unitStandingRouter } from './web/routes/unit-standing.ts';
import { unitContactsRouter } from './web/routes/unit-contacts.ts';
import { demoSinkRoutes } from './web/routes/demo-sink.ts';
import { helpHref } from './web/help-links.ts';
import type { Role } from './db/repos/users.ts';
import type { ClientAssets } from './web/assets.ts';
import { PhotoVersions } from './photos/versions.ts';
import { apiNeedsLogin, offlineRouter, serviceWorkerRouter } from './web/routes/offline.ts';

export interface AppDeps {
  db: Db;
  config: Config;
  criteria: CriteriaCache;
  sessionSecret: string;
  sessionCookieName: string;
  assets: ClientAssets;
  log: (message: string) => void;
  /** errors always reach the console unless LOG_LEVEL=silent */
  logError: (message: string) => void;
  /** routes mounted behind the same middleware as every page, after login (the benchmark's trivial route) */
  extraRoutes?: express.Router;
  /** display versions and thumbnails, made after uploads (created by createApp) */
  versions: PhotoVersions;
}

const HTML_SPECIAL = /[&<>'"]/;
const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};
/**
 * ejs's escaping, character for character (the same five entities), but a value with nothing to escape —
 * nearly every value on a page — is returned as it is instead of going through a replace with a callback.
 */
export function escapeHtml(markup: unknown): string {
  if (markup === undefined || markup === null) return '';
  const s = typeof markup === 'string' ? markup : String(markup as string);
  return HTML_SPECIAL.test(s) ? s.replace(/[&<>'"]/g, (c) => HTML_ENTITIES[c]!) : s;
}

const VIEWS_DIR = fileURLToPath(new URL('../views/', import.meta.url));
const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

export function createApp(input: Omit<AppDeps, 'sessionCookieName' | 'versions'>): {
  app: Express;
  versions: PhotoVersions;
  /** reminders composed and sent each minute; null when REMINDERS=0 */
  reminders: ReminderScheduler | null;
  close: () => void;
} {
  // requests being served: photo versions are made when there are none (see photos/versions.ts)
  let serving = 0;
  const versions = new PhotoVersions({
    db: input.db,
    uploadDir: input.config.uploadDir,
    idle: () => serving === 0,
    logError: input.logError,
  });
  const deps: AppDeps = { ...input, sessionCookieName: 'cc.sid', versions };
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    serving++;
    res.once('close', () => {
      serving--;
      // an upload may have queued versions: look now rather than at the next poll
      if (req.method === 'POST') versions.kick();
    });
    next();
  });
  // pages are per user and per moment (CSRF token, live state): an ETag would only cost a hash of every
  // body; static files keep theirs (express.static)
  app.set('etag', false);
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  // compiled templates kept in memory, and in production without ejs's line tracking (10–15 % of a
  // page's rendering time); a template error then names the file but not the line
  const production = config.env === 'production';
  app.engine('ejs', (file, data, done) =>
    ejs.renderFile(
      file,
      data as ejs.Data,
      { cache: production, compileDebug: !production, views: [VIEWS_DIR], escape: escapeHtml },
      done as (err: Error | null, html?: string) => void,
    ),
  );
  if (config.trustProxy) app.set('trust proxy', 1);

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          scriptSrcAttr: ["'none'"],
          // no upgrade-insecure-requests: plain-HTTP district installs must keep working
        },
      },
      strictTransportSecurity: config.trustProxy ? undefined : false,
    }),
  );
  app.use('/static/js', deps.assets.handler);
  app.use('/static', express.static(PUBLIC_DIR, { maxAge: config.env === 'production' ? '1h' : 0 }));
  app.use(healthRouter(deps));
  app.use(serviceWorkerRouter(deps));
  // residents' public pages: no session row per anonymous visitor, their own throttling before any body
  // is parsed, their own signed form tokens instead of the session's CSRF token
  app.use(publicSurveyRouter(deps));
  app.use(publicReportRouter(deps));
  // the demo's robot sink (#21): called by this server's own reminder channels, no session or CSRF
  const sink = config.demo ? demoSinkRoutes(deps) : null;
  if (sink) app.use(sink.receive);
  app.use(express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 2000 }));
  app.use(express.json({ limit: '1mb' }));

  const store = new SqliteSessionStore(deps.db);
  app.use(
    session({
      name: deps.sessionCookieName,
      secret: deps.sessionSecret,
      store,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.trustProxy || !!config.tls,
        maxAge: 12 * 3600 * 1000,
      },
    }),
  );
  app.use(loadUser(deps.db));
  app.use(takeFlash);

  const csrf = makeCsrf([
    ...SHEET_MULTIPART_ROUTES,
    ...CRITERIA_MULTIPART_ROUTES,
    ...IMPORT_MULTIPART_ROUTES,
    ...PROBLEM_MULTIPART_ROUTES,
    ...TASK_MULTIPART_ROUTES,
    ...TASK_REVIEW_MULTIPART_ROUTES,
    ...RECORD_MULTIPART_ROUTES,
    ...REPORT_MULTIPART_ROUTES,
    ...HOTLINE_MULTIPART_ROUTES,
  ]);
  const csrfToken = lazyCsrfToken(csrf.generateToken);
  app.use((req, res, next) => {
    csrfToken.offer(res.locals, req);
    res.locals.roleNames = ROLE_NAMES;
    res.locals.currentPath = req.path;
    res.locals.helpHref = helpHref(req.path, (res.locals.user as { role: Role } | undefined)?.role);
    res.locals.assets = deps.assets.urls;
    next();
  });
  app.use(apiNeedsLogin);
  app.use(csrf.global);

  app.use(authRouter(deps));
  app.use(requireLogin);
  if (deps.extraRoutes) app.use(deps.extraRoutes);
  app.use(sheetsApiRouter(deps, csrf.protect));
  app.use(sheetsRouter(deps, csrf.protect));
  app.use(homeRouter(deps));
  app.use(roundAdminRouter(deps));
  app.use(assignmentsRouter(deps));
  app.use(roundsRouter(deps));
  app.use(placesRouter(deps));
  app.use(peopleRouter(deps));
  app.use(auditRouter(deps));
  app.use(criteriaRouter(deps, csrf.protect));
  app.use(importsRouter(deps, csrf.protect));
  app.use(resultsRouter(deps));
  // /problems/new before /problems/:id
  app.use(problemRecordRouter(deps, csrf.protect));
  app.use(problemsRouter(deps, csrf.protect));
  app.use(reportsRouter(deps, csrf.protect));
  app.use(hotlineRouter(deps, csrf.protect));
  app.use(problemSettingsRouter(deps, csrf.protect));
  app.use(notificationsRouter(deps, csrf.protect));
  app.use(unitStandingRouter(deps, csrf.protect));
  app.use(unitContactsRouter(deps, csrf.protect));
  if (sink) app.use(sink.page);
  app.use(tasksRouter(deps, csrf.protect));
  app.use(taskReviewRouter(deps, csrf.protect));
  app.use(materialsRouter(deps));
  app.use(surveyResultsRouter(deps));
  app.use(surveysRouter(deps));
  app.use(interviewsRouter(deps));
  app.use(calendarRouter(deps));
  app.use(helpRouter(deps));
  app.use(offlineRouter(deps, (req) => csrf.generateToken(req)));
  app.use(photosRouter(deps));

  app.use(notFound);
  app.use(errorHandler(deps.logError));
  versions.start();
  // survey and 随手拍 senders' address hashes are kept for the abuse window only, 随手拍 phone numbers for
  // their period: forgotten at start (boot.ts) and every six hours while the server runs
  const forget = setInterval(() => {
    forgetOldAddresses(deps.db, config.publicAbuseDays);
    forgetReportPrivacy(deps.db, config.publicAbuseDays);
  }, 6 * 3_600_000);
  forget.unref();
  // reminders (#21): each minute, those due by the app's clock composed and handed to the channels
  const reminders = config.reminders
    ? startReminders({
        db: deps.db,
        channels: makeChannels({ smtpUrl: config.smtpUrl, mailFrom: config.mailFrom }),
        baseUrl: config.baseUrl ?? `http://localhost:${config.port}`,
        email: config.smtpUrl !== undefined,
        logError: deps.logError,
      })
    : null;
  return {
    app,
    versions,
    reminders,
    close: () => {
      reminders?.stop();
      clearInterval(forget);
      versions.close();
      store.close();
    },
  };
}
