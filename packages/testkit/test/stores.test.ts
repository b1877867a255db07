import { existsSync } from "node:fs";
import { join } from "node:path";
import { HeadBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, inject, it } from "vitest";
import { signUpAdmin } from "../src/fixtures";
import { startTestServer } from "../src/server";
import { createTestStores, testS3Client } from "../src/stores";

const services = inject("services");
const s3 = testS3Client(services.s3);
afterAll(() => s3.destroy());

const keysIn = async (bucket: string) =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key);
const bucketExists = (bucket: string) =>
  s3.send(new HeadBucketCommand({ Bucket: bucket })).then(
    () => true,
    (err: { $metadata?: { httpStatusCode?: number } }) => {
      if (err.$metadata?.httpStatusCode === 404) return false;
      throw err;
    },
  );

describe("createTestStores().drop()", () => {
  it.each(["local", "s3"] as const)("removes the file bytes a test server stored on %s storage", async (driver) => {
    const stores = await createTestStores(services);
    const { bucket, dir } = stores.storage;
    try {
      const server = await startTestServer({ stores, env: { STORAGE_DRIVER: driver } });
      let key: string;
      try {
        const admin = await signUpAdmin(server);
        const res = await fetch(`${server.url}/files?name=notes.pdf`, {
          method: "POST",
          headers: { "content-type": "application/pdf", authorization: `Bearer ${admin.token}` },
          body: "%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
        });
        expect(res.status).toBe(201);
        const { id } = (await res.json()) as { id: string };
        key = `org/${admin.organizationId}/${id}`;
      } finally {
        await server.close(); // a server on given stores leaves them alone
      }

      // The bytes are where this file's stores put them, and only there.
      if (driver === "s3") {
        expect(await keysIn(bucket)).toEqual([key]);
        expect(existsSync(dir)).toBe(false);
      } else {
        expect(existsSync(join(dir, key))).toBe(true);
        expect(await keysIn(services.s3.bucket)).not.toContain(key);
        expect(await bucketExists(bucket)).toBe(false);
      }
    } finally {
      await stores.drop();
    }

    expect(await bucketExists(bucket)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});
