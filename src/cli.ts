/**
 * Operator commands: `npm run cli -- <command> …`.
 *   user:add <username> --role <office|inspector|unit|leader> --password <pw> [--unit <unit name or code>] [--name <display name>]
 *   user:passwd <username> --password <pw>
 *   backup <empty dir>        online backup of the database and photos (safe while the server runs)
 *   restore <backup dir>      replace the database and photos with a backup (stop the server first)
 * Uses the same DATA_DIR as the server and the same services as the pages; exits 1 with a Chinese message on error.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { existsSync } from 'node:fs';
import { databaseFile, openDatabase } from './db/connection.ts';
import { migrate } from './db/migrate.ts';
import { AppError } from './errors.ts';
import { changePassword, createUser } from './services/accounts.ts';
import { SYSTEM } from './services/access.ts';
import { backup, restore } from './services/backup.ts';

const USAGE = `用法：
  npm run cli -- backup <空目录>      在线备份数据库、照片和材料文件（服务器运行时也可以）
  npm run cli -- restore <备份目录>   从备份恢复（请先停止服务器）
  npm run cli -- user:add <用户名> --role <office|inspector|unit|leader> --password <密码> [--unit <单位名称或编码>] [--name <显示名>]
  npm run cli -- user:passwd <用户名> --password <新密码>`;

class UsageError extends Error {}
/** An operation that failed for a reason the operator can act on. */
class CliFailure extends Error {}

async function run(argv: string[]): Promise<string> {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        role: { type: 'string' },
        password: { type: 'string' },
        unit: { type: 'string' },
        name: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError(`参数有误：${(err as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (command === 'backup' || command === 'restore') {
    if (positionals.length !== 1) throw new UsageError('请给出一个目录');
    const config = loadConfig();
    const dir = positionals[0] as string;
    try {
      if (command === 'backup') {
        const m = await backup(config, dir);
        return `已备份到 ${dir}：数据库（版本 ${m.schemaVersion}）和 ${m.photoFiles} 个照片与材料文件`;
      }
      const m = restore(config, dir);
      const kept = m.kept.length
        ? `\n原有数据已移到：\n${m.kept.map((k) => `  ${k}`).join('\n')}\n确认恢复无误后可以删除。`
        : '';
      return `已从 ${dir} 恢复（备份于 ${m.createdAt}，${m.photoFiles} 个照片与材料文件）${kept}`;
    } catch (err) {
      throw new CliFailure(`${command === 'backup' ? '备份' : '恢复'}失败：${(err as Error).message}`);
    }
  }
  if (command !== 'user:add' && command !== 'user:passwd')
    throw new UsageError(`未知命令：${command ?? '（缺少命令）'}`);
  if (positionals.length !== 1) throw new UsageError('请给出且只给出一个用户名');
  if (!values.password) throw new UsageError('缺少 --password');
  const username = positionals[0] as string;

  const config = loadConfig();
  const file = databaseFile(config.dataDir);
  // a mistyped DATA_DIR must not quietly get a new, empty database with the account in it
  if (!existsSync(file))
    throw new CliFailure(
      `在 ${file} 没有数据库。新安装请先启动一次服务（启动时建库），再运行本命令；否则请检查 DATA_DIR 是否写错`,
    );
  const db = openDatabase(file);
  try {
    migrate(db);
    if (command === 'user:add') {
      if (!values.role) throw new UsageError('缺少 --role（office、inspector 或 unit）');
      await createUser(db, SYSTEM, {
        username,
        password: values.password,
        role: values.role,
        unit: values.unit,
        displayName: values.name,
      });
      return `已创建用户 ${username}`;
    }
    await changePassword(db, SYSTEM, username, values.password);
    return `已修改用户 ${username} 的密码`;
  } finally {
    db.close();
  }
}

run(process.argv.slice(2)).then(
  (message) => console.log(message),
  (err: unknown) => {
    if (err instanceof UsageError) console.error(`${err.message}\n\n${USAGE}`);
    else if (err instanceof AppError || err instanceof ConfigError || err instanceof CliFailure)
      console.error(`错误：${err.message}`);
    else console.error('错误：', err);
    process.exit(1);
  },
);
