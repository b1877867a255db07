import { createHash } from "node:crypto";
import { z } from "zod";
import pkg from "../package.json" with { type: "json" };
import { parseTrustedProxies, type TrustedProxies } from "./infra/http/client-ip";

const HOUR = 60 * 60 * 1000;
const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const bytes = z.coerce.number().int().positive();
const csv = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

/** Every environment variable the server reads. `.env.example` documents each one. */
const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    HOST: z.string().default("0.0.0.0"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.url().default("http://localhost:3000"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    CORS_ORIGINS: csv.default(["http://localhost:5173"]),
    TRUST_PROXY: z
      .string()
      .optional()
      .transform((v, ctx) => {
        try {
          return parseTrustedProxies(v);
        } catch (err) {
          ctx.addIssue({
            code: "custom",
            message: `not a hop count or a list of addresses: ${(err as Error).message}`,
          });
          return z.NEVER;
        }
      }),

    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" }),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    MONGO_URL: z.url({ protocol: /^mongodb(\+srv)?$/, error: "must be a mongodb:// URL" }),
    MONGO_DB: z.string().min(1).optional(),
    // The PostgreSQL database FerretDB stores its data in, when MONGO_URL is FerretDB (here, not in
    // production): lets startup add the indexes FerretDB's equality filters can use (infra/mongo).
    FERRETDB_POSTGRES_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" }).optional(),
    REDIS_URL: z.url({ protocol: /^rediss?$/, error: "must be a redis:// URL" }),
    REDIS_PREFIX: z.string().default("p2p:"),

    STORAGE_DRIVER: z.enum(["local", "s3"]).default("local"),
    STORAGE_DIR: z.string().default(".local/files"),
    S3_ENDPOINT: z.url().optional(),
    S3_REGION: z.string().default("us-east-1"),
    S3_BUCKET: z.string().optional(),
    S3_ACCESS_KEY_ID: z.string().optional(),
    S3_SECRET_ACCESS_KEY: z.string().optional(),

    SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// URL" }).optional(),
    MAIL_FROM: z.string().default("P2P Sandbox <no-reply@p2p.local>"),
    MAIL_PER_SENDER_PER_HOUR: z.coerce.number().int().positive().default(50),
    SIGNUPS_PER_IP_PER_HOUR: z.coerce.number().int().positive().default(200),
    MESSAGES_PER_10_SECONDS: z.coerce.number().int().positive().default(20),
    MESSAGES_PER_HOUR: z.coerce.number().int().positive().default(1_000),
    MESSAGES_NOTIFY_AFTER_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(5 * 60_000),

    JOBS_WORKER: bool.default(true),
    // The development inbox (GET /dev/outbox): only where asked for, never in production.
    DEV_OUTBOX: bool.default(false),
    // The built web app (apps/web/dist) this server also serves; unset: the API alone.
    WEB_DIST_DIR: z.string().min(1).optional(),

    MAX_BODY_BYTES: bytes.default(1024 * 1024),
    MAX_UPLOAD_BYTES: bytes.default(10 * 1024 * 1024),
    // Videos (MP4, WebM) may be larger than other uploads; the media pipeline refuses anything bigger.
    MAX_VIDEO_BYTES: bytes.default(100 * 1024 * 1024),
    // The media pipeline's video tools (Debian's ffmpeg package, installed by scripts/services.sh).
    FFMPEG_PATH: z.string().min(1).default("ffmpeg"),
    FFPROBE_PATH: z.string().min(1).default("ffprobe"),
    MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(20),
    // Use cases in one organization export (the zip); an organization with more exports by spreadsheet.
    EXPORT_BUNDLE_MAX_USE_CASES: z.coerce.number().int().min(1).default(500),
    WS_MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).default(100),
    WS_CALLS_PER_SECOND: z.coerce.number().int().min(1).default(50),
    // The general request limit on /trpc, /api/v1 and /files (docs/security.md, "Request rate
    // limits"): points (a tRPC call, a REST or file request) per second (burst) and per minute
    // (sustained), per client IP and per signed-in user. 0 turns one off.
    RATE_LIMIT_PER_IP_PER_SECOND: z.coerce.number().int().min(0).default(100),
    RATE_LIMIT_PER_IP_PER_MINUTE: z.coerce.number().int().min(0).default(3_000),
    RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: z.coerce.number().int().min(0).default(50),
    RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: z.coerce.number().int().min(0).default(1_200),
    // Responses to /trpc, /api/v1 and /metrics at least this large are compressed (gzip or br) when the client accepts it.
    COMPRESS_MIN_BYTES: z.coerce.number().int().min(0).default(1024),
    // Bearer token of GET /metrics; unset: /metrics answers 404.
    METRICS_TOKEN: z.string().min(1).optional(),

    SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
    SESSION_REMEMBER_DAYS: z.coerce.number().positive().default(30),
    SESSION_ROTATE_HOURS: z.coerce.number().positive().default(24),
    // argon2id cost (OWASP minimum: 19 MiB, 2 passes). Tests lower it to stay fast.
    PASSWORD_HASH_MEMORY_KIB: z.coerce.number().int().min(1024).default(19_456),
    PASSWORD_HASH_PASSES: z.coerce.number().int().min(1).default(2),
    SIGNIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().default(10),
    SIGNIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(50),
    SIGNIN_MAX_FAILURES_PER_ACCOUNT_IP: z.coerce.number().int().positive().default(5),
    SIGNIN_LIMIT_WINDOW_MINUTES: z.coerce.number().positive().default(15),
    SIGNIN_KNOWN_DEVICE_DAYS: z.coerce.number().positive().default(30),
    TOTP_MAX_FAILURES_PER_USER: z.coerce.number().int().positive().default(5),
    TOTP_ENCRYPTION_KEY: z
      .string()
      .refine(
        (v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, "base64").length === 32,
        "must be 32 bytes in base64 (openssl rand -base64 32)",
      )
      .optional(),
    SUPERTOKENS_CONNECTION_URI: z.url().optional(),
    SUPERTOKENS_API_KEY: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.DEV_OUTBOX && env.NODE_ENV === "production") {
      ctx.addIssue({ code: "custom", path: ["DEV_OUTBOX"], message: "must not be true when NODE_ENV=production" });
    }
    if (env.NODE_ENV === "production" && env.METRICS_TOKEN && env.METRICS_TOKEN.length < 16) {
      ctx.addIssue({
        code: "custom",
        path: ["METRICS_TOKEN"],
        message: "must be at least 16 characters in production",
      });
    }
    if (env.NODE_ENV === "production" && !env.TOTP_ENCRYPTION_KEY) {
      ctx.addIssue({ code: "custom", path: ["TOTP_ENCRYPTION_KEY"], message: "required when NODE_ENV=production" });
    }
    if (env.STORAGE_DRIVER !== "s3") return;
    for (const key of ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const) {
      if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "required when STORAGE_DRIVER=s3" });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  env: Env["NODE_ENV"];
  version: string;
  host: string;
  port: number;
  publicUrl: string;
  logLevel: Env["LOG_LEVEL"];
  corsOrigins: string[];
  /** Proxies whose X-Forwarded-For is believed (see infra/http/client-ip.ts). */
  trustedProxies: TrustedProxies;
  postgres: { url: string; poolSize: number };
  mongo: { url: string; dbName: string; ferretDbPostgresUrl?: string };
  redis: { url: string; prefix: string };
  storage:
    | { driver: "local"; dir: string }
    | {
        driver: "s3";
        endpoint?: string;
        region: string;
        bucket: string;
        accessKeyId: string;
        secretAccessKey: string;
      };
  /**
   * `perSenderPerHour`: mail one user may cause to be sent to others (invitations) per hour;
   * `signUpsPerIpPerHour`: sign-ups (each mails an address) one IP may ask for per hour.
   */
  mail: { smtpUrl?: string; from: string; perSenderPerHour: number; signUpsPerIpPerHour: number };
  /** Direct messages one user may send: a burst per 10 seconds, and a sustained rate per hour. */
  messages: {
    per10Seconds: number;
    perHour: number;
    /** A message still unread this long after sending, to someone not connected, becomes a notification. */
    notifyAfterMs: number;
  };
  jobs: { runWorker: boolean };
  /** The binaries the media pipeline runs for videos. */
  media: { ffmpegPath: string; ffprobePath: string };
  /** Serve GET /dev/outbox (mail the server would have sent), for development and tests. */
  devOutbox: boolean;
  web: { distDir?: string };
  limits: {
    maxBodyBytes: number;
    maxUploadBytes: number;
    /** Largest video upload (MP4, WebM); other uploads stay within `maxUploadBytes`. */
    maxVideoBytes: number;
    maxBatchSize: number;
    /** Use cases in one organization export (`useCases.exportOrganization`): past it the export fails, saying what to do. */
    exportBundleUseCases: number;
    /** Per WebSocket connection: open subscriptions, and calls (queries, mutations, subscription starts) per second. */
    ws: { maxSubscriptions: number; callsPerSecond: number };
    /** The general limit on /trpc, /api/v1 and /files, in points per second and per minute; 0 = off. */
    requests: {
      perIp: { perSecond: number; perMinute: number };
      perPrincipal: { perSecond: number; perMinute: number };
    };
    /** Smallest response body compressed. */
    compressMinBytes: number;
  };
  /** GET /metrics: its bearer token; without one, /metrics is not served. */
  metrics: { token?: string };
  auth: {
    sessionTtlMs: number;
    rememberTtlMs: number;
    rotateAfterMs: number;
    secureCookies: boolean;
    passwordHash: { memoryKib: number; passes: number };
    /** Sign-in limits (docs/security.md, "Sign-in limits"); `perAccount` applies to devices not known to the account. */
    signInFailures: { perAccount: number; perIp: number; perAccountIp: number; windowSec: number };
    /** How long an IP that signed in to an account stays known to it. */
    knownDeviceTtlSec: number;
    totpFailuresPerUser: number;
    /** AES-256-GCM key for users.totp_secret. */
    totpEncryptionKey: Buffer;
    supertokens?: { connectionUri: string; apiKey?: string };
  };
}

/** Start-up fails with this when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "not set" so a blank line in .env falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? "environment");
        return i.code === "invalid_type" && cleaned[name] === undefined
          ? `${name}: is required`
          : `${name}: ${i.message}`;
      }),
    );
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    version: pkg.version,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL,
    logLevel: e.LOG_LEVEL,
    corsOrigins: e.CORS_ORIGINS,
    trustedProxies: e.TRUST_PROXY,
    postgres: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    mongo: {
      url: e.MONGO_URL,
      dbName: e.MONGO_DB ?? (new URL(e.MONGO_URL).pathname.slice(1) || "p2p"),
      ferretDbPostgresUrl: e.FERRETDB_POSTGRES_URL,
    },
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    storage:
      e.STORAGE_DRIVER === "s3"
        ? {
            driver: "s3",
            endpoint: e.S3_ENDPOINT,
            region: e.S3_REGION,
            bucket: e.S3_BUCKET as string,
            accessKeyId: e.S3_ACCESS_KEY_ID as string,
            secretAccessKey: e.S3_SECRET_ACCESS_KEY as string,
          }
        : { driver: "local", dir: e.STORAGE_DIR },
    mail: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM,
      perSenderPerHour: e.MAIL_PER_SENDER_PER_HOUR,
      signUpsPerIpPerHour: e.SIGNUPS_PER_IP_PER_HOUR,
    },
    messages: {
      per10Seconds: e.MESSAGES_PER_10_SECONDS,
      perHour: e.MESSAGES_PER_HOUR,
      notifyAfterMs: e.MESSAGES_NOTIFY_AFTER_MS,
    },
    jobs: { runWorker: e.JOBS_WORKER },
    media: { ffmpegPath: e.FFMPEG_PATH, ffprobePath: e.FFPROBE_PATH },
    devOutbox: e.DEV_OUTBOX,
    web: { distDir: e.WEB_DIST_DIR },
    limits: {
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxUploadBytes: e.MAX_UPLOAD_BYTES,
      maxVideoBytes: e.MAX_VIDEO_BYTES,
      maxBatchSize: e.MAX_BATCH_SIZE,
      exportBundleUseCases: e.EXPORT_BUNDLE_MAX_USE_CASES,
      ws: { maxSubscriptions: e.WS_MAX_SUBSCRIPTIONS, callsPerSecond: e.WS_CALLS_PER_SECOND },
      requests: {
        perIp: { perSecond: e.RATE_LIMIT_PER_IP_PER_SECOND, perMinute: e.RATE_LIMIT_PER_IP_PER_MINUTE },
        perPrincipal: {
          perSecond: e.RATE_LIMIT_PER_PRINCIPAL_PER_SECOND,
          perMinute: e.RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE,
        },
      },
      compressMinBytes: e.COMPRESS_MIN_BYTES,
    },
    metrics: { token: e.METRICS_TOKEN },
    auth: {
      sessionTtlMs: e.SESSION_TTL_HOURS * HOUR,
      rememberTtlMs: e.SESSION_REMEMBER_DAYS * 24 * HOUR,
      rotateAfterMs: e.SESSION_ROTATE_HOURS * HOUR,
      secureCookies: e.NODE_ENV === "production",
      passwordHash: { memoryKib: e.PASSWORD_HASH_MEMORY_KIB, passes: e.PASSWORD_HASH_PASSES },
      signInFailures: {
        perAccount: e.SIGNIN_MAX_FAILURES_PER_ACCOUNT,
        perIp: e.SIGNIN_MAX_FAILURES_PER_IP,
        perAccountIp: e.SIGNIN_MAX_FAILURES_PER_ACCOUNT_IP,
        windowSec: Math.round(e.SIGNIN_LIMIT_WINDOW_MINUTES * 60),
      },
      knownDeviceTtlSec: Math.round(e.SIGNIN_KNOWN_DEVICE_DAYS * 24 * 60 * 60),
      totpFailuresPerUser: e.TOTP_MAX_FAILURES_PER_USER,
      // Outside production a fixed development key is fine (the superRefine above requires one in production).
      totpEncryptionKey: e.TOTP_ENCRYPTION_KEY
        ? Buffer.from(e.TOTP_ENCRYPTION_KEY, "base64")
        : createHash("sha256").update("p2p-sandbox development TOTP key").digest(),
      supertokens: e.SUPERTOKENS_CONNECTION_URI
        ? { connectionUri: e.SUPERTOKENS_CONNECTION_URI, apiKey: e.SUPERTOKENS_API_KEY }
        : undefined,
    },
  };
}
