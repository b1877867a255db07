import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseEncoding } from "../src/infra/http/compress";

let server: TestServer;
let admin: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  admin = await signUpAdmin(server);
  // Enough topics for a list well past the 1 KiB threshold.
  const [category] = await admin.client.forums.listCategories.query();
  for (let i = 0; i < 8; i++) {
    await admin.client.forums.createTopic.mutate({
      title: `Compressible topic ${i}: bearing greasing intervals`,
      categoryId: category?.id as string,
      body: "<p>How often do you grease the bearings of a conveyor running two shifts?</p>",
      visibility: "organization",
    });
  }
});
afterAll(() => server?.close());

/** A raw GET (fetch would decode the body itself): status, headers and the bytes as sent. */
function get(path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const req = request(`${server.url}${path}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    },
  );
}

const listTopics = `/trpc/forums.listTopics?input=${encodeURIComponent(JSON.stringify({ json: { limit: 50 } }))}`;

describe("response compression", () => {
  it("gzips a large query answer when asked, and it decodes to the same JSON", async () => {
    const auth = { authorization: `Bearer ${admin.token}` };
    const plain = await get(listTopics, auth);
    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(1024);

    const gzipped = await get(listTopics, { ...auth, "accept-encoding": "gzip" });
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gzipped.headers.vary).toMatch(/accept-encoding/i);
    expect(gzipped.headers["cache-control"]).toBe("no-store");
    expect(gzipped.body.length).toBeLessThan(plain.body.length / 2);
    const decoded = JSON.parse(gunzipSync(gzipped.body).toString("utf8"));
    expect(decoded).toEqual(JSON.parse(plain.body.toString("utf8")));
    expect(decoded.result.data.json.items).toHaveLength(8);
  });

  it("prefers brotli when the client accepts both, as browsers do", async () => {
    const res = await get(listTopics, {
      authorization: `Bearer ${admin.token}`,
      "accept-encoding": "gzip, deflate, br, zstd",
    });
    expect(res.headers["content-encoding"]).toBe("br");
    expect(JSON.parse(brotliDecompressSync(res.body).toString("utf8")).result.data.json.items).toHaveLength(8);
  });

  it("compresses a plain (not streamed) GET batch as a whole", async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: { json: { limit: 50 } } }));
    const res = await get(`/trpc/forums.listTopics,forums.listCategories?batch=1&input=${input}`, {
      authorization: `Bearer ${admin.token}`,
      "accept-encoding": "gzip",
    });
    expect(res.status).toBe(200);
    expect(res.headers["content-encoding"]).toBe("gzip");
    const [topics, categories] = JSON.parse(gunzipSync(res.body).toString("utf8"));
    expect(topics.result.data.json.items).toHaveLength(8);
    expect(categories.result.data.json.length).toBeGreaterThan(0);
  });

  it("leaves small answers alone", async () => {
    const res = await get("/trpc/system.info", { "accept-encoding": "gzip, br" });
    expect(res.status).toBe(200);
    expect(res.body.length).toBeLessThan(1024);
    expect(res.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(res.body.toString("utf8")).result.data.json.version).toMatch(/\d/);
  });

  it("never compresses the streaming batch, and @p2p/client still reads it", async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: { json: { limit: 50 } } }));
    const res = await get(`/trpc/forums.listTopics?batch=1&input=${input}`, {
      authorization: `Bearer ${admin.token}`,
      "accept-encoding": "gzip, br",
      "trpc-accept": "application/jsonl",
    });
    expect(res.status).toBe(200);
    expect(res.headers["content-encoding"]).toBeUndefined();
    expect(res.headers["transfer-encoding"]).toBe("chunked");
    expect(res.body.toString("utf8")).toContain("Compressible topic");

    // The product client: streamed batch (undici's fetch sends Accept-Encoding by itself).
    const [topics, categories, me] = await Promise.all([
      admin.client.forums.listTopics.query({ limit: 50 }),
      admin.client.forums.listCategories.query(),
      admin.client.auth.me.query(),
    ]);
    expect(topics.items).toHaveLength(8);
    expect(categories.length).toBeGreaterThan(0);
    expect(me.user.id).toBe(admin.userId);
  });

  it("compresses the REST face's answers too", async () => {
    const res = await get("/api/v1/forums/topics?limit=50", {
      authorization: `Bearer ${admin.token}`,
      "accept-encoding": "gzip",
    });
    expect(res.status).toBe(200);
    expect(res.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(gunzipSync(res.body).toString("utf8")).items).toHaveLength(8);
  });

  it("reads Accept-Encoding with its weights", () => {
    expect(chooseEncoding("gzip")).toBe("gzip");
    expect(chooseEncoding("br;q=0.5, gzip")).toBe("gzip");
    expect(chooseEncoding("gzip;q=0.8, br")).toBe("br");
    expect(chooseEncoding("identity")).toBeNull();
    expect(chooseEncoding("gzip;q=0, br;q=0")).toBeNull();
    expect(chooseEncoding("*")).toBe("br");
    expect(chooseEncoding("*;q=0.5, br;q=0")).toBe("gzip");
    expect(chooseEncoding("deflate")).toBeNull();
  });
});
