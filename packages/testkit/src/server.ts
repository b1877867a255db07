import {
  type AppDeps,
  closeDeps,
  createDeps,
  loadConfig,
  type RunningServer,
  startServer,
  startWorkers,
} from "@p2p/api";
import { type ClientOptions, createClient, type P2PClient } from "@p2p/client";
import type { AnyRouter } from "@trpc/server";
import { inject } from "vitest";
import { createTestStores, type TestStores } from "./stores";

export interface TestServer {
  url: string;
  deps: AppDeps;
  stores: TestStores;
  running: RunningServer;
  /**
   * A typed client for this server (HTTP + WebSocket); closed with the server. With
   * `allCallsOverWebSocket`, queries and mutations use the one WebSocket too.
   */
  client(options?: TestClientOptions): P2PClient;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Share another server's stores: two nodes of one deployment. */
  stores?: TestStores;
  /** Extra or overriding environment variables (e.g. STORAGE_DRIVER=s3). */
  env?: Record<string, string>;
  router?: AnyRouter;
  runWorker?: boolean;
}

export type TestClientOptions = Omit<ClientOptions, "url" | "ws"> & { allCallsOverWebSocket?: boolean };

/**
 * A typed client (HTTP + WebSocket) configured as `TestServer.client()` configures it, for a server
 * at any URL (e.g. one running in another process); the caller closes it.
 */
export function testClient(
  url: string,
  { allCallsOverWebSocket, ...clientOptions }: TestClientOptions = {},
): P2PClient {
  return createClient({
    url,
    // Node's own WebSocket client (the server side is `ws`).
    ws: { retryDelayMs: () => 100, allCalls: allCallsOverWebSocket },
    ...clientOptions,
  });
}

/** A real listening server on an ephemeral port, on this test file's own stores. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownsStores = !options.stores;
  const stores = options.stores ?? (await createTestStores(inject("services")));
  const config = loadConfig({ ...stores.env, HOST: "127.0.0.1", PORT: "0", ...options.env });
  const deps = await createDeps(config, { migrate: true });
  if (options.runWorker ?? true) await startWorkers(deps);
  const running = await startServer(deps, { router: options.router });
  const clients: P2PClient[] = [];
  return {
    url: running.url,
    deps,
    stores,
    running,
    client(clientOptions = {}) {
      const client = testClient(running.url, clientOptions);
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.close();
      await running.close(1_000);
      await closeDeps(deps);
      if (ownsStores) await stores.drop();
    },
  };
}
