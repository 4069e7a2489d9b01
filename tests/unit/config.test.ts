// The environment is validated once: defaults work, and a bad value is named with a Chinese reason.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'cc-config-'));
const base = { DATA_DIR: join(dir, 'data'), UPLOAD_DIR: join(dir, 'up') };

describe('config', () => {
  it('has working defaults and creates the folders', () => {
    const c = loadConfig(base);
    expect(c.port).toBe(3000);
    expect(c.trustProxy).toBe(false);
    expect(c.demo).toBe(true);
    expect(c.dataDir).toBe(base.DATA_DIR);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    ['PORT', 'abc', /环境变量 PORT="abc" 无效/],
    ['PORT', '70000', /不能大于65535/],
    ['NODE_ENV', 'staging', /环境变量 NODE_ENV/],
    ['TRUST_PROXY', 'maybe', /环境变量 TRUST_PROXY/],
    ['BASE_URL', 'not a url', /必须是完整网址/],
  ])('refuses %s=%s', (key, value, message) => {
    expect(() => loadConfig({ ...base, [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [key]: value })).toThrow(message);
  });

  it('refuses a folder that cannot be created', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(() => loadConfig({ ...base, DATA_DIR: join(file, 'data') })).toThrow(
      /DATA_DIR=.*目录无法创建或不可写/,
    );
  });
});
