// The environment is validated once: defaults work, and a bad value is named with a Chinese reason.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { ROOT } from '../helpers/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'cc-config-'));
const base = { DATA_DIR: join(dir, 'data'), UPLOAD_DIR: join(dir, 'up') };

describe('config', () => {
  it('has working defaults and creates the folders', () => {
    const c = loadConfig(base);
    expect(c.port).toBe(3000);
    expect(c.trustProxy).toBe(false);
    expect(c.demo).toBe(true);
    expect(c.dataDir).toBe(base.DATA_DIR);
    expect(c.photoWorker).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('turns the photo worker off with PHOTO_WORKER=0 only', () => {
    expect(loadConfig({ ...base, PHOTO_WORKER: '0' }).photoWorker).toBe(false);
    expect(loadConfig({ ...base, PHOTO_WORKER: '1' }).photoWorker).toBe(true);
  });

  it.each([
    ['PORT', 'abc', /环境变量 PORT="abc" 无效/],
    ['PORT', '70000', /不能大于65535/],
    ['NODE_ENV', 'staging', /环境变量 NODE_ENV/],
    ['TRUST_PROXY', 'maybe', /环境变量 TRUST_PROXY/],
    ['BASE_URL', 'not a url', /必须是完整网址/],
    ['PHOTO_WORKER', 'off', /环境变量 PHOTO_WORKER="off" 无效/],
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

  describe('TLS_CERT and TLS_KEY', () => {
    const tls = join(ROOT, 'tests', 'fixtures', 'tls');
    const cert = join(tls, 'cert.pem');
    const key = join(tls, 'key.pem');

    it('loads a matching certificate and key; without them the app speaks plain HTTP', () => {
      expect(loadConfig({ ...base, TLS_CERT: cert, TLS_KEY: key }).tls?.cert.toString()).toContain(
        'BEGIN CERTIFICATE',
      );
      expect(loadConfig(base).tls).toBeUndefined();
    });

    it.each([
      ['only one of the two', { TLS_CERT: cert }, /TLS_CERT 和 TLS_KEY 必须同时设置/],
      [
        'a missing file',
        { TLS_CERT: join(tls, 'nope.pem'), TLS_KEY: key },
        /TLS_CERT=.*nope\.pem：文件无法读取（ENOENT）/,
      ],
      ['a certificate that is not one', { TLS_CERT: key, TLS_KEY: key }, /TLS_CERT=.*：不是有效的 PEM 证书/],
      ['a key that is not one', { TLS_CERT: cert, TLS_KEY: cert }, /TLS_KEY=.*：不是有效的 PEM 私钥/],
    ])('refuses %s', (_name, env, message) => {
      expect(() => loadConfig({ ...base, ...env })).toThrow(message);
    });

    it('refuses a key that does not belong to the certificate', () => {
      const other = join(dir, 'other-key.pem');
      writeFileSync(
        other,
        generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }),
      );
      expect(() => loadConfig({ ...base, TLS_CERT: cert, TLS_KEY: other })).toThrow(/私钥与证书 .* 不匹配/);
    });
  });
});
