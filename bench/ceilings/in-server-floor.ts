/**
 * Preloaded into the API server by bench/http.ts (node … --import ./ceilings/in-server-floor.ts
 * src/main.ts): the bare node:http handler of bench/ceilings/bare-handler.ts on a port of its own
 * (BENCH_FLOOR_PORT), inside the server's process. It shares the server's heap, modules, timers and
 * connections, so it shows what Node's own HTTP path costs in that process: `GET /health`'s floor
 * there, next to the bare server's in a process of its own.
 */
import { createServer } from "node:http";
import { answerBare } from "./bare-handler";

createServer(answerBare).listen(Number(process.env.BENCH_FLOOR_PORT), "127.0.0.1");
