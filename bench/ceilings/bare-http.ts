/**
 * Ceiling 1 for bench/http.ts: node:http answering a small JSON body, nothing else
 * (bench/ceilings/bare-handler.ts; `/headers` with the API's response headers). No framework, no
 * middleware: the most a Node process on this machine can answer. PORT from the environment.
 */
import { createServer } from "node:http";
import { answerBare } from "./bare-handler";

createServer(answerBare).listen(Number(process.env.PORT ?? 4101), "127.0.0.1", () =>
  console.log("bare-http listening"),
);
