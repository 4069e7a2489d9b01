/**
 * The environment, read once at start and validated by zod into a frozen Config. A bad value stops the
 * start with a Chinese message naming the variable (see server.ts), instead of failing later mid-request.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { join, resolve } from 'node:path';
import { z } from 'zod';

const flag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const envSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { error: '只能是 development、production 或 test' })
    .default('development'),
  PORT: z.coerce
    .number({ error: '必须是 0–65535 之间的整数' })
    .int('必须是整数')
    .min(0, '不能小于0')
    .max(65535, '不能大于65535')
    .default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1, '不能为空').default('./data'),
  UPLOAD_DIR: z.string().min(1, '不能为空').default('./uploads'),
  /** the folder of criteria files to load (default: the criteria/ folder shipped with the app) */
  CRITERIA_DIR: z.string().min(1, '不能为空').optional(),
  /** secret for signing session cookies; generated and kept in DATA_DIR when not given */
  SESSION_SECRET: z.string().min(16, '至少16个字符').optional(),
  /** set when a TLS-terminating proxy sits in front: cookies become Secure, X-Forwarded-* is trusted */
  TRUST_PROXY: flag.default(false),
  /** fill an empty database with the demo district */
  DEMO: flag.default(true),
  /** fixed password for every demo account (otherwise random, printed once) */
  DEMO_PASSWORD: z.string().min(8, '至少8个字符').optional(),
  /** absolute address of the app for links inside exported workbooks; unset: the address each download was asked at */
  BASE_URL: z.url({ error: '必须是完整网址，如 https://cc.example.gov.cn' }).optional(),
  LOG_LEVEL: z.enum(['silent', 'error', 'info']).default('info'),
  /** PEM certificate and private key: the app serves HTTPS itself (tablets need it for offline work) */
  TLS_CERT: z.string().min(1, '不能为空').optional(),
  TLS_KEY: z.string().min(1, '不能为空').optional(),
  /** 0: photos are checked and their versions made on the main thread (diagnosis), not a worker thread */
  PHOTO_WORKER: flag.default(true),
  /**
   * the public address residents' phones reach (printed in survey and 随手拍 QR codes and links), e.g. the
   * HTTPS reverse proxy's domain; unset: BASE_URL, else the address the poster page was asked at
   */
  PUBLIC_BASE_URL: z.url({ error: '必须是完整网址，如 https://cc.example.gov.cn' }).optional(),
  /** requests a minute one address may make to the public pages (many phones share a carrier's address) */
  PUBLIC_RATE_LIMIT: z.coerce
    .number({ error: '必须是正整数' })
    .int('必须是整数')
    .min(1, '至少为1')
    .max(1_000_000, '不能大于1000000')
    .default(300),
  /** days the keyed hash of a public sender's address is kept (the abuse window) */
  PUBLIC_ABUSE_DAYS: z.coerce
    .number({ error: '必须是正整数' })
    .int('必须是整数')
    .min(1, '至少为1')
    .max(365, '不能大于365')
    .default(30),
  /**
   * the mail server reminders go out through, e.g. smtps://user:pass@smtp.example.gov.cn:465 or
   * smtp://10.0.0.5:25 (unset: no e-mail reminders; robots still work)
   */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, { error: '必须是 smtp:// 或 smtps:// 开头的地址' })
    .optional(),
  /** the sender of reminder e-mails, e.g. 创城办 <ccb@example.gov.cn> */
  MAIL_FROM: z
    .string()
    .min(3, '至少3个字符')
    .max(200, '不能超过200个字符')
    .default('创城测评 <noreply@localhost>'),
  /** 0: no reminder is composed or sent (e.g. a copy of production's data for training); a row left 'sending' still becomes unknown at start */
  REMINDERS: flag.default(true),
});

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dataDir: string;
  uploadDir: string;
  criteriaDir: string | undefined;
  sessionSecret: string | undefined;
  trustProxy: boolean;
  demo: boolean;
  demoPassword: string | undefined;
  /** BASE_URL without a trailing slash; undefined when unset (links then follow the request, web/download.ts) */
  baseUrl: string | undefined;
  logLevel: 'silent' | 'error' | 'info';
  /** set when TLS_CERT and TLS_KEY are given: the server listens with HTTPS */
  tls: Readonly<{ cert: Buffer; key: Buffer }> | undefined;
  /** photos checked and their versions made on a worker thread (PHOTO_WORKER, default on) */
  photoWorker: boolean;
  /** PUBLIC_BASE_URL without a trailing slash (undefined: fall back to baseUrl, then the request) */
  publicBaseUrl: string | undefined;
  /** PUBLIC_RATE_LIMIT: requests a minute per address on the public pages */
  publicRateLimit: number;
  /** PUBLIC_ABUSE_DAYS: days a public sender's address hash is kept */
  publicAbuseDays: number;
  /** SMTP_URL: where reminder e-mails go out (undefined: no e-mail channel) */
  smtpUrl: string | undefined;
  /** MAIL_FROM: the sender of reminder e-mails */
  mailFrom: string;
  /** REMINDERS: whether reminders are sent at all (outgoing HTTP honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY) */
  reminders: boolean;
}>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function ensureWritableDir(name: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    // a real write, not access(): root passes access() checks on folders it still cannot write (read-only mounts)
    const probe = join(dir, `.write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw new ConfigError(
      `${name}=${dir}：目录无法创建或不可写（${(err as NodeJS.ErrnoException).code ?? (err as Error).message}）`,
    );
  }
}

function readPem(name: string, file: string): Buffer {
  try {
    return readFileSync(resolve(file));
  } catch (err) {
    throw new ConfigError(
      `${name}=${file}：文件无法读取（${(err as NodeJS.ErrnoException).code ?? (err as Error).message}）`,
    );
  }
}

/** Both files or neither; each must parse, and the key must belong to the certificate. */
function loadTls(certFile: string | undefined, keyFile: string | undefined): Config['tls'] {
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile)
    throw new ConfigError('TLS_CERT 和 TLS_KEY 必须同时设置（证书文件和私钥文件，PEM 格式）');
  const cert = readPem('TLS_CERT', certFile);
  const key = readPem('TLS_KEY', keyFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new ConfigError(`TLS_CERT=${certFile}：不是有效的 PEM 证书`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError(`TLS_KEY=${keyFile}：不是有效的 PEM 私钥（或私钥有密码保护）`);
  }
  if (!x509.checkPrivateKey(privateKey))
    throw new ConfigError(`TLS_KEY=${keyFile}：私钥与证书 ${certFile} 不匹配`);
  return Object.freeze({ cert, key });
}

/** Parses the environment; creates and checks the data and upload folders. Throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(envSchema.shape).flatMap((k) => (env[k] === undefined ? [] : [[k, env[k]]])),
  );
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      return `环境变量 ${key}=${JSON.stringify(env[key] ?? '')} 无效：${i.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const uploadDir = resolve(e.UPLOAD_DIR);
  ensureWritableDir('DATA_DIR', dataDir);
  ensureWritableDir('UPLOAD_DIR', uploadDir);
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    uploadDir,
    criteriaDir: e.CRITERIA_DIR ? resolve(e.CRITERIA_DIR) : undefined,
    sessionSecret: e.SESSION_SECRET,
    trustProxy: e.TRUST_PROXY,
    demo: e.DEMO,
    demoPassword: e.DEMO_PASSWORD,
    baseUrl: e.BASE_URL?.replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL,
    tls: loadTls(e.TLS_CERT, e.TLS_KEY),
    photoWorker: e.PHOTO_WORKER,
    publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    publicRateLimit: e.PUBLIC_RATE_LIMIT,
    publicAbuseDays: e.PUBLIC_ABUSE_DAYS,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    reminders: e.REMINDERS,
  });
}
