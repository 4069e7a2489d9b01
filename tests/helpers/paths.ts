/** Shared test constants: the demo password and where the seeded demo template lives. */
import { fileURLToPath } from 'node:url';

export const DEMO_PASSWORD = 'demo-pass-2026';
export const DEMO_TEMPLATE = fileURLToPath(new URL('../../.tmp/demo-template/', import.meta.url));
