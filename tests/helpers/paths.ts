/** Shared test constants: the demo password and where the seeded demo template lives. */
import { fileURLToPath } from 'node:url';

export const DEMO_PASSWORD = 'demo-pass-2026';
/** one per test run (set by tests/global-setup.ts), so two runs at once never share a template */
export const DEMO_TEMPLATE =
  process.env.CC_DEMO_TEMPLATE ??
  fileURLToPath(new URL(`../../.tmp/demo-template-${process.pid}/`, import.meta.url));
