import { type Logger, pino } from "pino";
import type { Config } from "../config";

export type { Logger };

/**
 * JSON logs in production and test; human-readable lines in development. JSON lines go to stdout
 * asynchronously: a line is written at once when no write is under way, and the lines logged
 * meanwhile go together in the next write (a synchronous write per request line cost ~7 % of a
 * busy server's CPU); pino writes what is pending when the process exits.
 */
export function createLogger(config: Pick<Config, "env" | "logLevel">): Logger {
  const options = {
    level: config.logLevel,
    base: undefined,
    redact: { paths: ["req.headers.authorization", "req.headers.cookie", "*.password", "*.token"], remove: true },
  };
  if (config.env === "development")
    return pino({
      ...options,
      transport: { target: "pino-pretty", options: { translateTime: "HH:MM:ss.l", ignore: "pid,hostname" } },
    });
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
