import { promisify } from "node:util";
import zlib from "node:zlib";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env";

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);
/**
 * Bodies up to this size are compressed on the event loop: a 20 KB JSON page costs ~0.2 ms there,
 * where zlib's thread pool costs ~0.7 ms of CPU for the same work (the hand-off, and fresh buffers
 * per call: mostly system time; measured in bench/RESULTS.md, 2026-11-29). Larger ones go to the pool.
 */
const SYNC_MAX_BYTES = 64 * 1024;
/**
 * The lowest levels, as nginx's default: a 13 KB JSON page comes out ~15 % larger than at brotli 4
 * or gzip 5, for a third of the CPU (compression was 7–10 % of the server's CPU under load at those).
 */
const GZIP_OPTIONS: zlib.ZlibOptions = { level: 1 };
const brotliOptions = (size: number): zlib.BrotliOptions => ({
  params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 1,
    [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size,
  },
});

const COMPRESSIBLE =
  /^(?:application\/(?:json|javascript|xml|[\w.+-]+\+json)|text\/(?:plain|html|css|javascript|csv|xml))\b/i;
const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i;

/**
 * Compresses a response with gzip or brotli when the client accepts it, the body is text or JSON
 * of at least `minBytes`, and it is complete: streamed answers are left alone (the tRPC streaming
 * batch, `trpc-accept: application/jsonl`, answers each call as it ends; compressing it would hold
 * them back), as are ranges, bodies already encoded and `no-transform`.
 *
 * Cheap when it does nothing: a request without Accept-Encoding or a streaming one costs a header
 * read. Otherwise the body is read to measure it (tRPC and Hono send no Content-Length); a small one
 * is answered as those bytes. Up to SYNC_MAX_BYTES compression runs on the event loop, beyond on
 * libuv's thread pool (zlib's async API).
 */
export function compression(minBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const accepted = c.req.header("accept-encoding");
    if (!accepted || c.req.method === "HEAD" || c.req.header("trpc-accept") === "application/jsonl") return;
    const res = c.res;
    const { headers, status } = res;
    if (status < 200 || status === 204 || status === 206 || status === 304) return;
    if (headers.has("content-encoding") || headers.has("transfer-encoding")) return;
    const type = headers.get("content-type");
    if (!type || !COMPRESSIBLE.test(type)) return;
    const cacheControl = headers.get("cache-control");
    if (cacheControl && NO_TRANSFORM.test(cacheControl)) return;
    const length = headers.get("content-length");
    if (length !== null && Number(length) < minBytes) return;
    const encoding = chooseEncoding(accepted);
    if (!encoding) return;

    const kept = keptBody(res);
    const bytes = kept ?? new Uint8Array(await res.arrayBuffer());
    if (bytes.byteLength < minBytes) {
      // Read through the stream, the body is spent: the answer is those bytes again.
      if (!kept) replace(c, new Response(bytes, { status, headers }));
      return;
    }
    const compressed =
      bytes.byteLength <= SYNC_MAX_BYTES
        ? encoding === "br"
          ? zlib.brotliCompressSync(bytes, brotliOptions(bytes.byteLength))
          : zlib.gzipSync(bytes, GZIP_OPTIONS)
        : encoding === "br"
          ? await brotli(bytes, brotliOptions(bytes.byteLength))
          : await gzip(bytes, GZIP_OPTIONS);
    headers.set("content-encoding", encoding);
    headers.delete("content-length");
    headers.append("vary", "accept-encoding");
    replace(c, new Response(compressed, { status, headers }));
  };
}

/** The symbol under which @hono/node-server's Response keeps what it was built with (found on first use). */
let keptKey: symbol | undefined;

/**
 * A finished answer's body as bytes without reading it through a stream. @hono/node-server puts a
 * Response of its own in place of the global one, which keeps `[status, body, headers]` as built;
 * its arrayBuffer() first builds a real fetch Response and reads that through a web stream: a third
 * of the cost of compressing a search page (bench/RESULTS.md, 2026-11-30 afternoon). Null for any
 * other Response, or a body that is not a string or bytes (read the standard way then).
 */
function keptBody(res: Response): Uint8Array<ArrayBuffer> | null {
  keptKey ??= Object.getOwnPropertySymbols(res).find((key) => key.description === "cache");
  const kept = keptKey ? (res as unknown as Record<symbol, unknown>)[keptKey] : undefined;
  if (!Array.isArray(kept)) return null;
  const body: unknown = kept[1];
  if (typeof body === "string") return Buffer.from(body);
  return body instanceof Uint8Array ? (body as Uint8Array<ArrayBuffer>) : null;
}

/** Sets the response without Hono merging the old one's headers into it (they are already there). */
function replace(c: { res: Response | undefined }, res: Response): void {
  c.res = undefined;
  c.res = res;
}

/** br or gzip, whichever the client prefers (br on a tie); null when it accepts neither. */
export function chooseEncoding(header: string): "br" | "gzip" | null {
  let br = -1;
  let gz = -1;
  let any = -1;
  for (const part of header.split(",")) {
    const [token = "", ...params] = part.split(";");
    const name = token.trim().toLowerCase();
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split("=");
      if (key?.trim().toLowerCase() === "q") q = Number(value);
    }
    if (!(q >= 0)) continue;
    if (name === "br") br = q;
    else if (name === "gzip" || name === "x-gzip") gz = q;
    else if (name === "*") any = q;
  }
  if (br < 0) br = any;
  if (gz < 0) gz = any;
  if (br <= 0 && gz <= 0) return null;
  return br >= gz ? "br" : "gzip";
}
