import { ConfigError, loadConfig } from "@p2p/api";
import { startTestServer, type TestServer } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** What the HTTP surface tells a caller who sends something odd, and what it serves at all. */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ runWorker: false });
});
afterAll(() => server?.close());

const trpc = (path: string, init?: RequestInit) => fetch(`${server.url}/trpc/${path}`, init);
const post = (path: string, body: string) =>
  trpc(path, { method: "POST", headers: { "content-type": "application/json" }, body });

async function errorOf(res: Response) {
  const raw = await res.text();
  const body = JSON.parse(raw) as { error: { json: { message: string; data: { code: string; appCode: string } } } };
  const { message, data } = body.error.json;
  return { status: res.status, message, code: data.code, appCode: data.appCode };
}

describe("malformed requests", () => {
  it.each([
    ["truncated JSON", '{"email":'],
    ["deep nesting", `${"[".repeat(20_000)}${"]".repeat(20_000)}`],
    ["deep superjson meta", `{"json":{},"meta":{"values":${"[".repeat(5_000)}"x"${"]".repeat(5_000)}}}`],
    ["__proto__", '{"json":{"__proto__":{"polluted":true}},"meta":{"values":{"__proto__":["undefined"]}}}'],
  ])("answer a generic 400 for %s, without the parser's words", async (_, body) => {
    const error = await errorOf(await post("auth.signIn", body));
    expect(error).toMatchObject({ status: 400, appCode: "BAD_REQUEST" });
    expect(["Malformed request", expect.stringMatching(/^Invalid input/)]).toContainEqual(error.message);
    expect(error.message).not.toMatch(/JSON|stack|Unexpected|prototype/i);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("answer GET on a mutation with 405 and a client error code", async () => {
    const error = await errorOf(await trpc("auth.signOut"));
    expect(error).toMatchObject({ status: 405, code: "METHOD_NOT_SUPPORTED", appCode: "METHOD_NOT_ALLOWED" });
  });
});

describe("the development inbox", () => {
  it("is not served unless DEV_OUTBOX=true", async () => {
    const plain = await startTestServer({ stores: server.stores, env: { DEV_OUTBOX: "false" }, runWorker: false });
    try {
      expect((await fetch(`${plain.url}/dev/outbox?to=a@example.com`)).status).toBe(404);
      expect((await fetch(`${server.url}/dev/outbox?to=a@example.com`)).status).toBe(200);
    } finally {
      await plain.close();
    }
  });

  it("can never be turned on in production", () => {
    const env = { ...server.stores.env, NODE_ENV: "production", DEV_OUTBOX: "true" };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/DEV_OUTBOX/);
  });
});

describe("client IP behind proxies", () => {
  /** The IP the server recorded for a failed sign-in from this request. */
  async function recordedIp(target: TestServer, headers: Record<string, string>) {
    const email = `nobody.${Math.random().toString(36).slice(2)}@example.com`;
    await fetch(`${target.url}/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ json: { email, password: "wrong password here" } }),
    });
    const row = await target.deps.db
      .selectFrom("auditLog")
      .select("ip")
      .where("action", "in", ["auth.signIn.failed", "auth.signIn.rateLimited"])
      .orderBy("createdAt", "desc")
      .executeTakeFirstOrThrow();
    return row.ip;
  }

  it("ignores X-Forwarded-For unless the proxy is trusted", async () => {
    expect(await recordedIp(server, { "x-forwarded-for": "203.0.113.7" })).toBe("127.0.0.1");
  });

  it("reads X-Forwarded-For through trusted proxies only (by address or hop count)", async () => {
    for (const trust of ["loopback", "1"]) {
      const proxied = await startTestServer({ stores: server.stores, env: { TRUST_PROXY: trust }, runWorker: false });
      try {
        expect(await recordedIp(proxied, { "x-forwarded-for": "203.0.113.7" })).toBe("203.0.113.7");
        // A client-supplied hop in front of the proxy's own does not fool it: the nearest untrusted one counts.
        expect(await recordedIp(proxied, { "x-forwarded-for": "198.51.100.1, 203.0.113.9" })).toBe("203.0.113.9");
      } finally {
        await proxied.close();
      }
    }
  });

  it("refuses a malformed TRUST_PROXY at start, naming it", () => {
    expect(() => loadConfig({ ...server.stores.env, TRUST_PROXY: "not-an-ip/99" })).toThrow(/TRUST_PROXY/);
  });
});
