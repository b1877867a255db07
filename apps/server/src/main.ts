/** The deployable: config → infrastructure → listen → graceful shutdown. Everything else is @p2p/api. */
import { ConfigError, closeDeps, createDeps, createLogger, loadConfig, startServer, startWorkers } from "@p2p/api";

/** In-flight requests get this long to finish after SIGTERM; the stores' close steps are time-boxed too. */
const DRAIN_MS = 10_000;
/** Whatever still runs this long after SIGTERM is cut: the process always ends. */
const HARD_EXIT_MS = DRAIN_MS + 5_000;

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config);
  const deps = await createDeps(config, { logger, migrate: true });
  if (config.jobs.runWorker) await startWorkers(deps);
  const server = await startServer(deps);
  logger.info({ port: server.port, version: config.version, env: config.env }, "listening");

  let stopping = false;
  const shutdown = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error({ signal, afterMs: HARD_EXIT_MS }, "shutdown took too long; exiting");
      logger.flush();
      process.exit(code || 1);
    }, HARD_EXIT_MS).unref();
    await server.close(DRAIN_MS);
    await closeDeps(deps);
    logger.info("stopped");
    logger.flush();
    process.exit(code);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  // Store failures are handled where they happen (every client has an 'error' listener, calls
  // answer 503); these are the last line for anything that slipped through.
  // A promise nobody awaited left no half-done state behind it: log it and keep serving.
  process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled promise rejection"));
  // An exception that unwound an arbitrary stack may have: log it and stop gracefully, so the
  // supervisor starts a clean process.
  process.on("uncaughtException", (err, origin) => {
    logger.fatal({ err, origin }, "uncaught exception; shutting down");
    void shutdown("uncaughtException", 1);
  });
}

main().catch((err) => {
  console.error("failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
