/**
 * Ceiling 1 for bench/http.ts: node:http answering a small JSON body, nothing else. No framework,
 * no middleware: the most a Node process on this machine can answer. PORT from the environment.
 */
import { createServer } from "node:http";

const body = JSON.stringify({ status: "ok", version: "0.1.0" });
const length = String(Buffer.byteLength(body));

createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": length });
  res.end(body);
}).listen(Number(process.env.PORT ?? 4101), "127.0.0.1", () => console.log("bare-http listening"));
