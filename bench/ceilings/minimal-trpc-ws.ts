/**
 * The floor for bench/live-topic.ts: what tRPC's WebSocket adapter and `ws` alone hold per
 * connection and per idle subscription, and how fast they deliver one event to every subscriber.
 * An http.Server with a `ws` server on /trpc, tRPC's applyWSSHandler, superjson, an empty context,
 * and two subscriptions:
 *
 * - `idle`: the smallest idle async iterator there is (one pending promise), for memory;
 * - `events`: every event published on one in-process emitter, as tRPC's docs write a subscription
 *   (`on(emitter, …)` yielding `tracked(id, data)`). `POST /publish` with an event's superjson text
 *   publishes it to all of them under a new post id, its event id the time it was published
 *   (`<ms>-<n>`, as the project's are), and answers that post id.
 *
 * No middleware, no stores, and no keep-alive: the project keeps its sockets alive itself
 * (packages/api/src/infra/http/ws-keep-alive.ts: one timer per node, not the adapter's two per
 * socket), which counts as ours. The benchmark measures it the way it measures the project's server.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter, on } from "node:events";
import { createServer } from "node:http";
import { initTRPC, tracked } from "@trpc/server";
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

const bus = new EventEmitter();
bus.setMaxListeners(0);
let published = 0;

const router = t.router({
  idle: t.procedure.subscription(() => new Idle()),
  events: t.procedure.subscription(async function* ({ signal }) {
    for await (const [event] of on(bus, "event", { signal })) yield tracked(event.id, event.data);
  }),
});

const server = createServer(async (req, res) => {
  if (req.method !== "POST" || req.url !== "/publish") return res.end("ok");
  let text = "";
  for await (const chunk of req) text += chunk;
  const data = superjson.parse<{ post: { id: string } }>(text);
  data.post.id = randomUUID();
  bus.emit("event", { id: `${Date.now()}-${published++}`, data });
  res.end(data.post.id);
});
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
