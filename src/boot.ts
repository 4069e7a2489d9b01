/**
 * Everything between reading the config and listening: open and migrate the database, load and check
 * the shipped criteria, keep the session secret, fill the demo district into an empty database.
 * server.ts calls this and listens; tests call it on a temporary folder.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from './config.ts';
import { databaseFile, openDatabase, type Db } from './db/connection.ts';
import { migrate } from './db/migrate.ts';
import { getSetting, setSetting } from './db/repos/settings.ts';
import { countUsers } from './db/repos/users.ts';
import { CRITERIA_DIR, loadShippedCriteria } from './criteria/load.ts';
import { loadQuestionnairesBeside, syncShippedQuestionnaires } from './services/questionnaires.ts';
import { forgetOldAddresses } from './services/surveys.ts';
import { forgetReportPrivacy } from './services/reports-public.ts';
import { CriteriaCache, syncShippedCriteria } from './services/criteria-registry.ts';
import { seedDemo, type DemoAccount } from './services/demo.ts';
import { createApp, type AppDeps } from './app.ts';
import { buildClientAssets } from './web/assets.ts';
import { findCjkFont, missingFontMessage } from './photos/font.ts';
import { sweepStrayFiles } from './photos/sweep.ts';
import { forgetKeptRanks } from './db/repos/round-ranks.ts';
import { knownDocumentHashes } from './db/repos/document-tasks.ts';
import { isKnownPhotoFile } from './db/repos/photos.ts';
import { pruneIdempotent } from './db/repos/idempotency.ts';
import { sendingToUnknown } from './db/repos/reminders.ts';

/** How long the answer to a device's request is kept for its retries (see repos/idempotency.ts). */
const IDEMPOTENCY_DAYS = 60;

/** A reason the server must not start, said plainly (server.ts prints it and exits 1). */
export class StartupError extends Error {}

export interface Booted {
  db: Db;
  criteria: CriteriaCache;
  app: ReturnType<typeof createApp>['app'];
  /** photo versions made after uploads; `settled()` waits for the queue to empty */
  versions: ReturnType<typeof createApp>['versions'];
  /** the reminders' scheduler (null when REMINDERS=0); `tick()` runs one round now */
  reminders: ReturnType<typeof createApp>['reminders'];
  demoAccounts: DemoAccount[] | null;
  close: () => void;
}

export async function boot(
  config: Config,
  log: (m: string) => void = console.log,
  options: Pick<AppDeps, 'extraRoutes'> = {},
): Promise<Booted> {
  const files = loadShippedCriteria(config.criteriaDir); // throws CriteriaFileError before anything is written
  const questionnaires = loadQuestionnairesBeside(config.criteriaDir ?? CRITERIA_DIR, files);
  const db = openDatabase(databaseFile(config.dataDir));
  try {
    const applied = migrate(db);
    if (applied.length) log(`数据库迁移：${applied.join(', ')}`);
    const added = syncShippedCriteria(db, files);
    if (added.length) log(`载入测评体系：${added.join(', ')}`);
    const addedSurveys = syncShippedQuestionnaires(db, questionnaires);
    if (addedSurveys.length) log(`载入调查问卷：${addedSurveys.join(', ')}`);
    if (!findCjkFont()) throw new StartupError(missingFontMessage);
    const documents = knownDocumentHashes(db);
    const { removed } = await sweepStrayFiles(
      config.uploadDir,
      (sha, key) => isKnownPhotoFile(db, sha, key),
      (sha) => documents.has(sha),
    );
    if (removed.length) log(`已清理 ${removed.length} 个未入库的照片、材料文件或临时文件`);
    pruneIdempotent(db, IDEMPOTENCY_DAYS);
    // ranks kept for the next round's 较上轮 may have been computed by an older version of the code
    forgetKeptRanks(db);
    // a reminder the last run was sending when it stopped may or may not have arrived: never sent again
    const interrupted = sendingToUnknown(db);
    if (interrupted) log(`${interrupted} 条提醒在上次停止时正在发送，已记为“结果未知”，不会自动重发`);
    // survey senders' address hashes are kept for the abuse window only
    forgetOldAddresses(db, config.publicAbuseDays);
    // 随手拍: phone numbers past their kept period, senders' address hashes past the abuse window
    forgetReportPrivacy(db, config.publicAbuseDays);
    let secret = config.sessionSecret ?? getSetting(db, 'session_secret');
    if (!secret) {
      secret = randomBytes(32).toString('hex');
      setSetting(db, 'session_secret', secret);
    }
    const criteria = new CriteriaCache(db);
    let demoAccounts: DemoAccount[] | null = null;
    if (config.demo && countUsers(db) === 0) {
      demoAccounts = await seedDemo(db, criteria, {
        uploadDir: config.uploadDir,
        password: config.demoPassword,
        port: config.port,
        baseUrl: config.baseUrl,
      });
    }
    const assets = await buildClientAssets();
    const logError = config.logLevel === 'silent' ? () => {} : (m: string) => console.error(m);
    const { app, versions, reminders, close } = createApp({
      db,
      config,
      criteria,
      sessionSecret: secret,
      assets,
      log,
      logError,
      ...options,
    });
    return {
      db,
      criteria,
      app,
      versions,
      reminders,
      demoAccounts,
      close: () => {
        close();
        db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
