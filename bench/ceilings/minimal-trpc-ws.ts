/**
 * The floor for bench/live-topic.ts: what tRPC's WebSocket adapter and `ws` alone hold per
 * connection and per idle subscription. An http.Server with a `ws` server on /trpc, tRPC's
 * applyWSSHandler, superjson, an empty context, and one subscription whose stream is the smallest
 * idle async iterator there is (one pending promise). No middleware, no stores, and no keep-alive:
 * the project keeps its sockets alive itself (packages/api/src/infra/http/ws-keep-alive.ts: one
 * timer per node, not the adapter's two per socket), which counts as ours. The benchmark measures
 * its memory the way it measures the project's server.
 */
import { createServer } from "node:http";
import { initTRPC } from "@trpc/server";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import superjson from "superjson";
import { WebSocketServer } from "ws";

const t = initTRPC.create({ transformer: superjson });

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };
/** Never yields; ends at once on return(). */
class Idle implements AsyncIterableIterator<never> {
  private settle: ((r: IteratorReturnResult<undefined>) => void) | null = null;
  next(): Promise<IteratorResult<never>> {
    return new Promise((resolve) => {
      this.settle = resolve;
    });
  }
  return(): Promise<IteratorReturnResult<undefined>> {
    this.settle?.(DONE);
    return Promise.resolve(DONE);
  }
  [Symbol.asyncIterator]() {
    return this;
  }
}

const router = t.router({ idle: t.procedure.subscription(() => new Idle()) });

const server = createServer((_req, res) => res.end("ok"));
const wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });
server.on("upgrade", (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
});
applyWSSHandler({
  wss,
  router,
  createContext: () => ({}),
});
server.listen(Number(process.env.PORT ?? 4103), "127.0.0.1", () => console.log("minimal-trpc-ws listening"));
