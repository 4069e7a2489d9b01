// The operator CLI and the server's start-up checks, run as real processes.
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, startApp, tempDir } from '../helpers/app.ts';
import { runTs, startTs, ROOT } from '../helpers/run.ts';

const dir = tempDir('cc-cli-');
const env = { DATA_DIR: join(dir, 'data'), UPLOAD_DIR: join(dir, 'uploads'), DEMO: '0' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run cli', () => {
  it('refuses to add a user where there is no database (a mistyped DATA_DIR), creating nothing', async () => {
    const r = await runTs(
      'src/cli.ts',
      ['user:add', 'wang', '--role', 'office', '--password', 'first-pass-1'],
      env,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`在 ${join(env.DATA_DIR, 'chuangcheng.sqlite')} 没有数据库`);
    expect(r.stderr).toContain('请先启动一次服务');
    expect(existsSync(join(env.DATA_DIR, 'chuangcheng.sqlite'))).toBe(false);
  });

  it('adds users, refuses a taken name and bad arguments, changes a password; the new user can log in', async () => {
    // a new installation: the first start makes the database, then the first office account is added
    await (await startApp({ dir, demo: false })).stop();
    const add = await runTs(
      'src/cli.ts',
      ['user:add', 'wang', '--role', 'office', '--password', 'first-pass-1'],
      env,
    );
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('已创建用户 wang');

    const again = await runTs(
      'src/cli.ts',
      ['user:add', 'wang', '--role', 'office', '--password', 'first-pass-1'],
      env,
    );
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('用户名“wang”已存在');

    const badRole = await runTs(
      'src/cli.ts',
      ['user:add', 'li', '--role', 'boss', '--password', 'first-pass-1'],
      env,
    );
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toContain('角色只能是');

    const noUnit = await runTs(
      'src/cli.ts',
      ['user:add', 'li', '--role', 'unit', '--password', 'first-pass-1'],
      env,
    );
    expect(noUnit.code).not.toBe(0);
    expect(noUnit.stderr).toContain('必须指定所属单位');

    const unknownUnit = await runTs(
      'src/cli.ts',
      ['user:add', 'li', '--role', 'unit', '--password', 'first-pass-1', '--unit', '火星局'],
      env,
    );
    expect(unknownUnit.code).not.toBe(0);
    expect(unknownUnit.stderr).toContain('找不到单位“火星局”');

    const shortPw = await runTs('src/cli.ts', ['user:passwd', 'wang', '--password', 'short'], env);
    expect(shortPw.code).not.toBe(0);
    expect(shortPw.stderr).toContain('密码至少8个字符');

    const unknownFlag = await runTs('src/cli.ts', ['user:add', 'zhao', '--rol', 'office'], env);
    expect(unknownFlag.code).not.toBe(0);
    expect(unknownFlag.stderr).toContain('用法');

    const passwd = await runTs('src/cli.ts', ['user:passwd', 'wang', '--password', 'second-pass-2'], env);
    expect(passwd.code).toBe(0);

    const app = await startApp({ dir, demo: false });
    try {
      const c = new Client(app.url);
      expect((await c.login('wang', 'first-pass-1')).status).toBe(400);
      expect((await c.login('wang', 'second-pass-2')).status).toBe(303);
      expect((await c.get('/')).text).toContain('创城办工作台');
    } finally {
      await app.stop();
    }
  });
});

describe('server start', () => {
  it('stops with a clear message and a non-zero exit on PORT=abc', async () => {
    const r = await runTs('src/server.ts', [], { ...env, PORT: 'abc' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('环境变量 PORT="abc" 无效');
  });

  it('stops on a data folder that cannot be written', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    const r = await runTs('src/server.ts', [], { ...env, DATA_DIR: join(file, 'sub') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/DATA_DIR=.*目录无法创建或不可写/);
  });

  it('refuses to start on an invalid criteria file, naming file, path and problem, and writes nothing', async () => {
    const crit = join(dir, 'criteria');
    cpSync(join(ROOT, 'criteria'), crit, { recursive: true });
    const file = join(crit, 'district-2026.json');
    const v = JSON.parse(readFileSync(file, 'utf8'));
    v.items[0].contents[0].standards[0].siteTypes = ['nowhere'];
    writeFileSync(file, JSON.stringify(v));
    const fresh = join(dir, 'fresh');
    const r = await runTs('src/server.ts', [], { ...env, DATA_DIR: join(fresh, 'data'), CRITERIA_DIR: crit });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `${file}: items[0].contents[0].standards[0].siteTypes[0]: 未知的点位类型 "nowhere"`,
    );
    expect(() => readFileSync(join(fresh, 'data', 'chuangcheng.sqlite'))).toThrow();
  });

  it('starts with NODE_ENV=production on plain HTTP, prints the demo accounts once, and serves a login', async () => {
    const prodEnv = {
      NODE_ENV: 'production',
      PORT: String(20000 + Math.floor(Math.random() * 20000)),
      DATA_DIR: join(dir, 'prod', 'data'),
      UPLOAD_DIR: join(dir, 'prod', 'up'),
    };
    const first = startTs('src/server.ts', [], prodEnv);
    await first.waitFor(/创城测评已启动/);
    const printed = first.stdout();
    expect((await first.stop()).code).toBe(0);
    expect(printed).toContain('演示账号');
    const office = /用户名 office\s+密码 (\S+)/.exec(printed)?.[1];
    expect(office).toBeTruthy();

    const second = startTs('src/server.ts', [], prodEnv);
    try {
      await second.waitFor(/创城测评已启动/);
      expect(second.stdout()).not.toContain('演示账号');
      const c = new Client(`http://127.0.0.1:${prodEnv.PORT}`);
      expect((await c.login('office', office!)).status).toBe(303);
      expect((await c.get('/')).text).toContain('创城办工作台');
    } finally {
      await second.stop();
    }
  });
});
