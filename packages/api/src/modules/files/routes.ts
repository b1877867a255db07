import { Readable } from "node:stream";
import {
  FileName,
  Id,
  IdempotencyKey,
  isImageContentType,
  isVideoContentType,
  UploadContentType,
  uploadContentTypes,
} from "@p2p/schemas";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import { CSRF_HEADER, type Principal } from "../../infra/auth/authenticator";
import { authenticateRequest } from "../../infra/http/auth";
import { type AppEnv, recordOf } from "../../infra/http/env";
import { httpError, limitBody } from "../../infra/http/errors";
import type { ByteRange } from "../../infra/storage/storage";
import { DomainError, httpStatusOf } from "../../lib/errors";
import type { FileRow } from "./repo";
import * as files from "./service";

type FilesEnv = AppEnv & { Variables: { principal: Principal } };

const UploadRequest = z.object({ name: FileName, idempotencyKey: IdempotencyKey.nullable() });

/**
 * Plain HTTP, not tRPC: uploads are raw bodies (no base64, no multipart parsing) and downloads are
 * streams a browser can use directly in <img src> or a link.
 *
 * POST /files       body = the file; Content-Type = its type; name in ?name= or X-File-Name
 *                   (percent-encoded UTF-8); optional Idempotency-Key → 201 FileMeta (200 on a retry;
 *                   409 CONFLICT when the key was used for another upload: name, type or bytes)
 * GET  /files/:id   the bytes, to a signed-in user who may see the file (access.ts); 404 otherwise
 */
export function fileRoutes(deps: AppDeps): Hono<FilesEnv> {
  const maxBytes = deps.config.limits.maxUploadBytes;
  // Videos (MP4, WebM) have their own, larger limit; the declared type picks it, the content check below holds it to that.
  const limitUpload = limitBody(maxBytes, "File");
  const limitVideo = limitBody(Math.max(maxBytes, deps.config.limits.maxVideoBytes), "Video");
  const routes = new Hono<FilesEnv>();

  routes.post(
    "/",
    requireUser(deps),
    // Counts bytes as they arrive (or trusts Content-Length, which Node enforces), never buffering more than the limit.
    (c, next) =>
      isVideoContentType(c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "")
        ? limitVideo(c, next)
        : limitUpload(c, next),
    async (c) => {
      const contentType = UploadContentType.safeParse(
        c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase(),
      );
      if (!contentType.success) {
        return httpError(c, 415, "UNSUPPORTED_MEDIA_TYPE", `Allowed file types: ${uploadContentTypes.join(", ")}`);
      }
      const request = UploadRequest.safeParse({
        name: c.req.query("name") || decodeHeader(c.req.header("x-file-name")),
        idempotencyKey: c.req.header("idempotency-key") ?? null,
      });
      if (!request.success) {
        const issue = request.error.issues[0];
        return httpError(c, 400, "BAD_REQUEST", `Invalid input: ${issue?.path.join(".")}: ${issue?.message}`);
      }
      try {
        const principal = c.get("principal");
        const bytes = Buffer.from(await c.req.arrayBuffer());
        const { file, created } = await files.uploadFile(deps, principal, {
          ...request.data,
          contentType: contentType.data,
          bytes,
        });
        return c.json(file, created ? 201 : 200);
      } catch (err) {
        return asHttpError(c, err);
      }
    },
  );

  routes.get("/:id", requireUser(deps), async (c) => {
    const id = Id.safeParse(c.req.param("id"));
    const file = id.success ? await files.readableFile(deps, c.get("principal"), id.data) : null;
    if (!file) return httpError(c, 404, "NOT_FOUND", "File not found");
    const headers = {
      "content-type": file.contentType,
      "content-disposition": contentDisposition(file),
      "x-content-type-options": "nosniff",
      "accept-ranges": "bytes",
      // The bytes under an id never change (their hash is the ETag), but who may read them does:
      // a browser keeps them and asks again each time (a 304 reads no bytes from storage), so a file
      // deleted, or a reader signed out or removed, is not served from its cache; "private" keeps
      // shared caches out.
      etag: `"${file.sha256}"`,
      "cache-control": "private, no-cache",
    };
    if (c.req.header("if-none-match") === headers.etag) return c.body(null, 304, headers);
    const asked = c.req.header("range");
    const range = asked === undefined ? undefined : byteRange(asked, file.size);
    if (range === null) {
      c.header("content-range", `bytes */${file.size}`);
      return httpError(c, 416, "BAD_REQUEST", "The range is outside the file");
    }
    const body = await files.fileBytes(deps, file, range);
    if (!body) return httpError(c, 404, "NOT_FOUND", "File not found");
    if (range) {
      return c.body(Readable.toWeb(body) as ReadableStream, 206, {
        ...headers,
        "content-length": String(range.end - range.start + 1),
        "content-range": `bytes ${range.start}-${range.end}/${file.size}`,
      });
    }
    return c.body(Readable.toWeb(body) as ReadableStream, 200, { ...headers, "content-length": String(file.size) });
  });

  return routes;
}

/**
 * One range of a Range header (`bytes=a-b`, `bytes=a-`, `bytes=-n`) within a file of `size` bytes:
 * undefined to send it whole (no range, another unit, several ranges), null when none of it exists.
 */
function byteRange(header: string, size: number): ByteRange | null | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  const [first, last] = [match[1] as string, match[2] as string];
  if (first === "") {
    const suffix = Number(last);
    return suffix === 0 || size === 0 ? null : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return start >= size || end < start ? null : { start, end };
}

/** The same credentials as tRPC; a cookie session must echo its anti-CSRF token on writes, as on mutations. */
function requireUser(deps: AppDeps): MiddlewareHandler<FilesEnv> {
  return async (c, next) => {
    const { principal } = await authenticateRequest(c, deps.authenticator);
    if (!principal) return httpError(c, 401, "UNAUTHORIZED", "Sign in to continue");
    const write = c.req.method !== "GET" && c.req.method !== "HEAD";
    if (write && principal.via === "cookie" && c.req.header(CSRF_HEADER) !== principal.csrfToken) {
      return httpError(c, 403, "FORBIDDEN", "Missing or invalid anti-CSRF token");
    }
    c.set("principal", principal);
    const record = recordOf(c);
    record.userId = principal.userId;
    record.orgId = principal.organizationId;
    await next();
  };
}

/** Services report expected failures as DomainErrors; here they become plain JSON errors. */
function asHttpError(c: Context, err: unknown) {
  if (!(err instanceof DomainError)) throw err;
  return httpError(c, httpStatusOf[err.code] as ContentfulStatusCode, err.code, err.message, err.details);
}

function decodeHeader(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Images and PDFs open in the browser; anything else downloads. RFC 6266 with an ASCII fallback name. */
function contentDisposition(file: FileRow): string {
  const inline = isImageContentType(file.contentType) || file.contentType === "application/pdf";
  const ascii = file.name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(file.name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${inline ? "inline" : "attachment"}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
