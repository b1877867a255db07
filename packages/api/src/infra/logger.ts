import { type Logger, pino } from "pino";
import type { Config } from "../config";

export type { Logger };

/** JSON logs in production and test; human-readable lines in development. */
export function createLogger(config: Pick<Config, "env" | "logLevel">): Logger {
  return pino({
    level: config.logLevel,
    base: undefined,
    redact: { paths: ["req.headers.authorization", "req.headers.cookie", "*.password", "*.token"], remove: true },
    ...(config.env === "development"
      ? { transport: { target: "pino-pretty", options: { translateTime: "HH:MM:ss.l", ignore: "pid,hostname" } } }
      : {}),
  });
}
