/** The deployable: config → infrastructure → listen → graceful shutdown. Everything else is @p2p/api. */
import { ConfigError, closeDeps, createDeps, createLogger, loadConfig, startServer, startWorkers } from "@p2p/api";

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
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await server.close();
    await closeDeps(deps);
    logger.info("stopped");
    logger.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err) => {
  console.error("failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
