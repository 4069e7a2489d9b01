/**
 * Entry point, the only module with side effects: config → boot (db, migrations, criteria, demo) →
 * listen. A bad environment value or criteria file stops the start with a message and exit code 1.
 */
import { ConfigError, loadConfig } from './config.ts';
import { CriteriaFileError } from './criteria/load.ts';
import { boot, StartupError } from './boot.ts';
import { ROLE_NAMES } from './labels.ts';
import { startPhotoWorker } from './photos/off-thread.ts';
import { applyServerTimeouts } from './web/server-timeouts.ts';
import { createAppServer } from './web/http-server.ts';
import { removeServerPid, serverPidFile, writeServerPid } from './util/pidfile.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = config.logLevel === 'info' ? (m: string) => console.log(m) : () => {};
  startPhotoWorker(config.photoWorker); // before boot: photo versions left waiting are made at once
  const booted = await boot(config, log);
  if (booted.demoAccounts) {
    console.log('\n已创建示范区“清河区”的演示数据。演示账号（只显示这一次）：');
    for (const a of booted.demoAccounts)
      console.log(
        `  ${ROLE_NAMES[a.role]}  ${a.who.padEnd(14)} 用户名 ${a.username.padEnd(12)} 密码 ${a.password}`,
      );
    console.log('');
  }
  // HTTPS when a certificate is configured: tablets only allow offline work (service workers) over it
  const scheme = config.tls ? 'https' : 'http';
  const onListening = () => {
    if (!writeServerPid(config.dataDir))
      console.error(`警告：无法写入 ${serverPidFile(config.dataDir)}，恢复命令将无法判断服务是否在运行`);
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    console.log(
      `创城测评已启动：${scheme}://localhost:${port}/  （数据目录 ${config.dataDir}，照片目录 ${config.uploadDir}）`,
    );
    if (!config.tls && !config.trustProxy)
      console.log(
        '提示：未配置 HTTPS（TLS_CERT/TLS_KEY 或反向代理），平板通过局域网地址访问时无法离线工作。',
      );
  };
  // requests made with the app's prototypes from the start (http-server.ts); a failure to listen is
  // said by the error handler below
  const server = createAppServer(booted.app, config.tls).listen(config.port, config.host, onListening);
  // a 20 MB upload from a phone must not be cut off (server-timeouts.ts)
  applyServerTimeouts(server);
  server.on('error', (err: NodeJS.ErrnoException) => {
    console.error(
      `无法在端口 ${config.port} 上启动：${err.code === 'EADDRINUSE' ? '端口已被占用' : err.message}`,
    );
    booted.close();
    process.exit(1);
  });
  // removed on the way out, not when stopping starts: the server holds the database until it has closed
  process.on('exit', () => removeServerPid(config.dataDir));
  const stop = () => {
    server.close(() => {
      booted.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof CriteriaFileError || err instanceof StartupError) {
    console.error(`启动失败：\n${err.message}`);
  } else {
    console.error('启动失败：', err);
  }
  process.exit(1);
});
