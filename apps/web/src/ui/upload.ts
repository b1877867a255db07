import type { FileMeta } from "@p2p/schemas";
import { csrfHeaders } from "../api";
import { randomId } from "./clientKey";

export interface UploadOptions {
  /** Called with 0..1 as the bytes go out. */
  onProgress?(fraction: number): void;
  signal?: AbortSignal;
}

/** A failed upload, with the server's app code (PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE …) for errorText. */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly data: { appCode: string; httpStatus: number },
  ) {
    super(message);
  }
}

/**
 * Uploads one file to POST /files (the raw bytes, its type, its name) with upload progress, which
 * fetch cannot report; XMLHttpRequest can. One idempotency key per file, so a retry after a lost
 * answer does not store it twice.
 */
export function uploadFile(file: File, { onProgress, signal }: UploadOptions = {}): Promise<FileMeta> {
  const idempotencyKey = randomId();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/files?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
    xhr.setRequestHeader("idempotency-key", idempotencyKey);
    for (const [name, value] of Object.entries(csrfHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON (a proxy's error page): the status says enough
      }
      if (xhr.status === 200 || xhr.status === 201) {
        onProgress?.(1);
        resolve(body as FileMeta);
        return;
      }
      const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
      reject(
        new UploadError(error?.message ?? `Upload failed (${xhr.status})`, {
          appCode: error?.code ?? "UNKNOWN",
          httpStatus: xhr.status,
        }),
      );
    };
    xhr.onerror = () => reject(new TypeError("network error"));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
    xhr.send(file);
  });
}
