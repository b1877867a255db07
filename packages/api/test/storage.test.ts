import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { LocalStorage, S3Storage, type Storage } from "@p2p/api";
import { afterAll, describe, expect, inject, it } from "vitest";

const dir = await mkdtemp(join(tmpdir(), "p2p-storage-"));
const { s3 } = inject("services");
const s3Storage = new S3Storage({ ...s3, bucket: s3.bucket });
await s3Storage.ensureBucket();

afterAll(async () => {
  s3Storage.close();
  await rm(dir, { recursive: true, force: true });
});

const adapters: [string, Storage][] = [
  ["local", new LocalStorage(dir)],
  ["s3", s3Storage],
];

describe.each(adapters)("%s storage", (_name, storage) => {
  const key = `test/${crypto.randomUUID()}/report.pdf`;
  const bytes = Buffer.from("%PDF-1.7 some bytes \u00e9\u0000\u00ff");

  it("answers ping", async () => {
    await expect(storage.ping()).resolves.toBeUndefined();
  });

  it("stores and returns bytes with their content type", async () => {
    await storage.put(key, bytes, "application/pdf");
    const object = await storage.get(key);
    expect(object?.contentType).toBe("application/pdf");
    expect(object?.size).toBe(bytes.length);
    expect(object && (await buffer(object.body))).toEqual(bytes);
  });

  it("returns a range of the bytes, with the whole object's size", async () => {
    await storage.put(key, bytes, "application/pdf");
    const object = await storage.get(key, { start: 5, end: 9 });
    expect(object?.size).toBe(bytes.length);
    expect(object && (await buffer(object.body))).toEqual(bytes.subarray(5, 10));
  });

  it("overwrites an object under the same key", async () => {
    await storage.put(key, Buffer.from("v2"), "text/plain");
    const object = await storage.get(key);
    expect(object && (await buffer(object.body)).toString()).toBe("v2");
    expect(object?.contentType).toBe("text/plain");
  });

  it("returns null for a missing object and after delete", async () => {
    expect(await storage.get(`test/${crypto.randomUUID()}`)).toBeNull();
    await storage.delete(key);
    expect(await storage.get(key)).toBeNull();
    await expect(storage.delete(key)).resolves.toBeUndefined();
  });

  it("refuses keys that try to escape", async () => {
    await expect(storage.put("../etc/passwd", bytes, "text/plain")).rejects.toThrow(/unsafe storage key/);
    await expect(storage.get("/abs")).rejects.toThrow(/unsafe storage key/);
  });
});
