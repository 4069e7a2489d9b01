/**
 * createApp(deps): the Express application, built from its dependencies and nothing global. It does not
 * listen; server.ts (or a test) does. Middleware order: security headers → static files → body parsers →
 * session → user → CSRF → routes → 404 → errors.
 */
import express, { type Express } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { csrfSync } from 'csrf-sync';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.ts';
import type { Db } from './db/connection.ts';
import type { CriteriaCache } from './services/criteria-registry.ts';
import { SqliteSessionStore } from './web/middleware/session-store.ts';
import { loadUser, requireLogin } from './web/middleware/auth.ts';
import { errorHandler, notFound } from './web/middleware/errors.ts';
import { authRouter } from './web/routes/auth.ts';
import { homeRouter } from './web/routes/home.ts';
import { roundsRouter } from './web/routes/rounds.ts';
import { healthRouter } from './web/routes/health.ts';
import { ROLE_NAMES } from './services/accounts.ts';

export interface AppDeps {
  db: Db;
  config: Config;
  criteria: CriteriaCache;
  sessionSecret: string;
  sessionCookieName: string;
  log: (message: string) => void;
}

const VIEWS_DIR = fileURLToPath(new URL('../views/', import.meta.url));
const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

export function createApp(input: Omit<AppDeps, 'sessionCookieName'>): { app: Express; close: () => void } {
  const deps: AppDeps = { ...input, sessionCookieName: 'cc.sid' };
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
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
  app.use('/static', express.static(PUBLIC_DIR, { maxAge: config.env === 'production' ? '1h' : 0 }));
  app.use(healthRouter(deps));
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
        secure: config.trustProxy,
        maxAge: 12 * 3600 * 1000,
      },
    }),
  );
  app.use(loadUser(deps.db));

  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: (req) =>
      (req.get('x-csrf-token') as string | undefined) ??
      (typeof req.body?._csrf === 'string' ? (req.body._csrf as string) : undefined),
    errorConfig: {
      statusCode: 403,
      message: '页面已过期或请求来源无效，请刷新页面后重试',
      code: 'EBADCSRFTOKEN',
    },
  });
  app.use((req, res, next) => {
    res.locals.csrfToken = generateToken(req);
    res.locals.roleNames = ROLE_NAMES;
    res.locals.currentPath = req.path;
    next();
  });
  app.use(csrfSynchronisedProtection);

  app.use(authRouter(deps));
  app.use(requireLogin);
  app.use(homeRouter(deps));
  app.use(roundsRouter(deps));

  app.use(notFound);
  app.use(errorHandler(deps.log));
  return { app, close: () => store.close() };
}
