/**
 * Seeds the demo district once per test run into .tmp/demo-template; each test file then starts the app
 * on its own copy (see helpers/app.ts), instead of seeding the district again, which takes seconds.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { boot } from '../src/boot.ts';
import { DEMO_PASSWORD, DEMO_TEMPLATE } from './helpers/paths.ts';

export default async function setup(): Promise<() => void> {
  process.env.CC_DEMO_TEMPLATE = DEMO_TEMPLATE;
  rmSync(DEMO_TEMPLATE, { recursive: true, force: true });
  mkdirSync(DEMO_TEMPLATE, { recursive: true });
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: join(DEMO_TEMPLATE, 'data'),
    UPLOAD_DIR: join(DEMO_TEMPLATE, 'uploads'),
    DEMO: '1',
    DEMO_PASSWORD,
    LOG_LEVEL: 'silent',
  });
  const booted = await boot(config, () => {});
  // the demo photos' display versions and thumbnails, made in the background, are in the template
  await booted.versions.settled();
  booted.db.pragma('wal_checkpoint(TRUNCATE)');
  booted.close();
  return () => rmSync(DEMO_TEMPLATE, { recursive: true, force: true });
}
