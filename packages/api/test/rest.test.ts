/**
 * The REST face (/api/v1): its OpenAPI document, the seeds' frontend mapping table walked over
 * plain fetch, and the same answers as /trpc for the same callers (status, code, appCode, issues).
 */

import { addMember, failure, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { AnyProcedure } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { router } from "../src/trpc/init";
import { rest } from "../src/trpc/meta";
import { publicProcedure } from "../src/trpc/procedures";
import { restRoutes } from "../src/trpc/rest";
import { appRouter } from "../src/trpc/router";

let server: TestServer;
let base: string;

beforeAll(async () => {
  server = await startTestServer({
    env: { SIGNIN_MAX_FAILURES_PER_ACCOUNT: "3", SIGNIN_MAX_FAILURES_PER_ACCOUNT_IP: "3", MAX_BODY_BYTES: "65536" },
  });
  base = `${server.url}/api/v1`;
});
afterAll(() => server?.close());

interface Call {
  body?: unknown;
  /** A raw body (with its own content type), instead of JSON. */
  raw?: { text: string; type?: string };
  token?: string;
  cookie?: string;
  csrf?: string;
}

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, checked by each test
  body: any;
  headers: Headers;
}

/** A plain fetch, as a non-TypeScript client makes it. */
async function api(method: string, path: string, call: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (call.raw) {
    body = call.raw.text;
    if (call.raw.type) headers["content-type"] = call.raw.type;
  } else if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers["content-type"] = "application/json";
  }
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  if (call.cookie) headers.cookie = call.cookie;
  if (call.csrf) headers["x-csrf-token"] = call.csrf;
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

const sessionCookie = (res: Answer) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith("p2p_session="))
    ?.split(";")[0] ?? "";

/** The newest mail to an address from the development outbox, and the token in its link. */
async function mailToken(email: string, subject: RegExp): Promise<string> {
  for (let i = 0; i < 250; i++) {
    const res = await fetch(`${server.url}/dev/outbox?to=${encodeURIComponent(email)}`);
    const mail = ((await res.json()) as { subject: string; text: string }[]).find((m) => subject.test(m.subject));
    const token = mail?.text.match(/[?&]token=([A-Za-z0-9_.-]+)/)?.[1];
    if (token) return token;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no mail to ${email} matching ${subject}`);
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
let n = 0;
const email = (tag: string) => `${tag}.${Date.now().toString(36)}.${++n}@example.com`;
const PASSWORD = "correct horse battery staple";

describe("the OpenAPI document", () => {
  it("is served at /api/v1/openapi.json and is a valid OpenAPI 3.1 document", async () => {
    const res = await api("GET", "/openapi.json");
    expect(res.status).toBe(200);
    const result = await new Validator().validate(res.body);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(res.body.openapi).toBe("3.1.0");
    expect(res.body.servers).toEqual([{ url: "/api/v1" }]);
  });

  it("describes every REST route once, with its schemas, access and error body", async () => {
    const doc = (await api("GET", "/openapi.json")).body;
    const operations = Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>).flatMap(
      ([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })),
    );
    const routes = restRoutes(appRouter);
    expect(operations).toHaveLength(routes.length);
    for (const route of routes) {
      const shape = route.path.replace(/\{[^}]+\}/g, "{}");
      const found = operations.find(
        (o) => o.method === route.method.toLowerCase() && o.path.replace(/\{[^}]+\}/g, "{}") === shape,
      );
      expect(found, `${route.method} ${route.path}`).toBeDefined();
      const op = found?.op as {
        responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
        security?: unknown;
      };
      expect(op.responses[200]?.content?.["application/json"]?.schema).toBeTruthy();
      expect(op.responses.default?.content?.["application/json"]?.schema).toEqual({
        $ref: "#/components/schemas/Error",
      });
      expect(Boolean(op.security), route.procedure).toBe(route.meta.access !== "public");
    }
    // One template per path: an operation whose parameter has another name there says what it takes.
    const edit = doc.paths["/messages/{userId}"].patch as { parameters: { name: string; description?: string }[] };
    expect(edit.parameters.find((p) => p.name === "userId")?.description).toMatch(
      /^The id \(this operation's own name/,
    );
    // Dates are ISO strings on REST.
    expect(doc.components.schemas.Me.properties.createdAt).toEqual({ type: "string", format: "date-time" });
    // The seeds' flat sign-up body.
    expect(
      Object.keys(doc.paths["/auth/signup"].post.requestBody.content["application/json"].schema.properties).sort(),
    ).toEqual(
      ["email", "password", "firstName", "lastName", "organizationName", "industry", "size", "country", "city"].sort(),
    );
  });

  it("maps every query and mutation, and no subscription", () => {
    // The only procedures without a REST route, and why.
    const unmapped: Record<string, string> = {
      "auth.signUp": "its REST face is POST /auth/signup (auth.signUpFlat, the flat body)",
      "auth.totp.disable": "its input is a union of two objects; a REST body must be one object",
    };
    const mapped = new Set(restRoutes(appRouter).map((r) => r.procedure));
    for (const [path, procedure] of Object.entries(
      appRouter._def.procedures as unknown as Record<string, AnyProcedure>,
    )) {
      const { type } = procedure._def;
      if (type === "subscription") expect(mapped.has(path), path).toBe(false);
      else
        expect(mapped.has(path) || path in unmapped, `${path} has no REST mapping (rest(...) in its .meta)`).toBe(true);
    }
  });

  it("refuses mappings REST cannot serve", () => {
    const Out = z.object({ ok: z.boolean() });
    const queryAsPost = router({
      q: publicProcedure
        .meta(rest("POST", "/q", "q"))
        .output(Out)
        .query(() => ({ ok: true })),
    });
    expect(() => restRoutes(queryAsPost)).toThrow(/queries are GET/);
    const clash = router({
      a: publicProcedure
        .meta(rest("GET", "/x/{id}", "a"))
        .input(z.object({ id: z.string() }))
        .output(Out)
        .query(() => ({ ok: true })),
      b: publicProcedure
        .meta(rest("GET", "/x/{key}", "b"))
        .input(z.object({ key: z.string() }))
        .output(Out)
        .query(() => ({ ok: true })),
    });
    expect(() => restRoutes(clash)).toThrow(/already a/);
  });

  it("has an interactive reference page at /api/v1/docs", async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain("/api/v1/openapi.json");
  });
});

describe("the seeds' frontend mapping table, over plain fetch", () => {
  const adminEmail = email("rest.admin");
  let cookie = "";
  let csrf = "";
  let categoryId = "";
  let topicId = "";
  let postId = "";

  it("POST /auth/signup takes the flat body and answers ok; the mailed link completes it", async () => {
    const signup = await api("POST", "/auth/signup", {
      body: {
        email: adminEmail,
        password: PASSWORD,
        firstName: "Reem",
        lastName: "Rest",
        organizationName: "Rest Fabrication",
        industry: "manufacturing",
        size: "11-50",
        country: "SA",
        city: "Jeddah",
      },
    });
    expect(signup).toMatchObject({ status: 200, body: { ok: true } });

    const token = await mailToken(adminEmail, /confirm/i);
    const complete = await api("POST", "/auth/signup/complete", { body: { token, password: PASSWORD } });
    expect(complete.status).toBe(200);
    expect(complete.body.user).toMatchObject({ email: adminEmail, firstName: "Reem", emailVerified: true });
    expect(complete.body.organization).toMatchObject({
      name: "Rest Fabrication",
      city: "Jeddah",
      industry: "manufacturing",
    });
    expect(complete.body.token).toBeUndefined();
    expect(sessionCookie(complete)).toMatch(/^p2p_session=./);
  });

  it("POST /auth/login {email, password}: a cookie session and the anti-CSRF token (plain JSON, ISO dates)", async () => {
    const res = await api("POST", "/auth/login", { body: { email: adminEmail, password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body.role).toBe("admin");
    expect(res.body.user.createdAt).toMatch(ISO);
    expect(res.body.token).toBeUndefined();
    expect(res.headers.get("cache-control")).toBe("no-store");
    cookie = sessionCookie(res);
    csrf = res.body.csrfToken;
    expect(cookie).toMatch(/^p2p_session=./);
    expect(csrf).toEqual(expect.any(String));
  });

  it("POST /auth/login with tokenType bearer: a token and no cookie (scripts)", async () => {
    const res = await api("POST", "/auth/login", {
      body: { email: adminEmail, password: PASSWORD, tokenType: "bearer" },
    });
    expect(res.status).toBe(200);
    expect(res.body.token).toEqual(expect.any(String));
    expect(sessionCookie(res)).toBe("");
    const me = await api("GET", "/users/me", { token: res.body.token });
    expect(me).toMatchObject({ status: 200, body: { email: adminEmail } });
  });

  it("GET /users/me and PATCH /users/me (a mutation needs the anti-CSRF header with the cookie)", async () => {
    const me = await api("GET", "/users/me", { cookie });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: adminEmail, role: "admin" });
    expect(me.body.createdAt).toMatch(ISO);

    const withoutCsrf = await api("PATCH", "/users/me", { cookie, body: { firstName: "Rania" } });
    expect(withoutCsrf.status).toBe(403);
    expect(withoutCsrf.body).toMatchObject({ code: "FORBIDDEN", appCode: "FORBIDDEN" });

    const updated = await api("PATCH", "/users/me", {
      cookie,
      csrf,
      body: { firstName: "Rania", title: "Plant manager" },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ firstName: "Rania", title: "Plant manager" });
  });

  it("GET /users (admin), with query parameters as numbers and enums", async () => {
    const all = await api("GET", "/users", { cookie });
    expect(all.status).toBe(200);
    expect(all.body.items.map((u: { email: string }) => u.email)).toContain(adminEmail);
    expect(all.body).toHaveProperty("nextCursor");

    const admins = await api("GET", "/users?limit=1&role=admin&status=active", { cookie });
    expect(admins.status).toBe(200);
    expect(admins.body.items).toHaveLength(1);

    const bad = await api("GET", "/users?limit=many", { cookie });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "BAD_REQUEST", appCode: "BAD_REQUEST" });
    expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual(["limit"]);
  });

  it("dates in JSON bodies are ISO 8601 strings, as the document says (POST and PATCH /tasks)", async () => {
    const due = "2027-03-01T09:30:00.000Z";
    const created = await api("POST", "/tasks", {
      cookie,
      csrf,
      body: { title: "Service the compressor", dueAt: due },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ title: "Service the compressor", dueAt: due });
    const remind = "2027-02-28T07:00:00.000Z";
    const changed = await api("PATCH", `/tasks/${created.body.id}`, {
      cookie,
      csrf,
      body: { dueAt: "2027-03-02T09:30:00Z", remindAt: remind },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ dueAt: "2027-03-02T09:30:00.000Z", remindAt: remind });
    const listed = await api("GET", `/tasks?dueBefore=${encodeURIComponent("2027-03-03T00:00:00Z")}`, { cookie });
    expect(listed.body.items.map((t: { id: string }) => t.id)).toContain(created.body.id);
    // Only ISO 8601 with its offset: nothing is guessed (Date itself reads "1" as 2001, and a time
    // without an offset in the server's zone).
    for (const dueAt of [
      "next tuesday",
      1_800_000_000_000,
      "+275760-09-13T00:00:00.000Z",
      "1",
      "March 1, 2030",
      "2030/03/01",
      "2030-03-01T09:30",
      // Days that do not exist: Date would roll them over into the next month.
      "2030-02-30T00:00:00Z",
      "2030-02-29T00:00:00Z",
      "2030-04-31T00:00:00Z",
    ]) {
      const bad = await api("POST", "/tasks", { cookie, csrf, body: { title: "x", dueAt } });
      expect(bad.status, String(dueAt)).toBe(400);
      expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual(["dueAt"]);
    }
    for (const dueAt of [
      "2030-03-01T12:30:00+03:00",
      "2030-03-01T12:30+03:00",
      "2030-03-01t12:30:00+0300",
      "2030-03-01T09:30:00z",
    ]) {
      const offset = await api("POST", "/tasks", { cookie, csrf, body: { title: "x", dueAt } });
      expect(offset.body.dueAt, dueAt).toBe("2030-03-01T09:30:00.000Z");
    }
    expect((await api("GET", "/tasks?dueBefore=1", { cookie })).status).toBe(400);
    expect((await api("GET", "/tasks?dueBefore=2030-02-30T00:00:00Z", { cookie })).status).toBe(400);
    // A leap day that exists is taken.
    const leap = await api("POST", "/tasks", { cookie, csrf, body: { title: "x", dueAt: "2028-02-29T09:30:00Z" } });
    expect(leap.body.dueAt).toBe("2028-02-29T09:30:00.000Z");
  });

  it("numbers in the query string as JSON writes them, exponents too", async () => {
    const near = await api("GET", "/use-cases?lat=1e-05&lng=46.7&radiusKm=2e4", { cookie });
    expect(near.status).toBe(200);
    expect((await api("GET", "/use-cases?lat=1e&lng=46.7&radiusKm=20", { cookie })).status).toBe(400);
  });

  it("query keys an object inherits (constructor, __proto__) are no inputs: ignored like any unknown key", async () => {
    for (const query of ["constructor=1", "__proto__=1", "toString=x&hasOwnProperty=y"]) {
      expect((await api("GET", `/organizations?${query}`, { cookie })).status, query).toBe(200);
      expect((await api("GET", `/organizations?${query}`)).status, query).toBe(401);
    }
  });

  it("GET and PATCH /organizations/current, GET /organizations/stats", async () => {
    const org = await api("GET", "/organizations/current", { cookie });
    expect(org).toMatchObject({ status: 200, body: { name: "Rest Fabrication" } });
    expect(org.body.createdAt).toMatch(ISO);
    const updated = await api("PATCH", "/organizations/current", {
      cookie,
      csrf,
      body: { description: "Sheet metal" },
    });
    expect(updated).toMatchObject({ status: 200, body: { description: "Sheet metal" } });
    const stats = await api("GET", "/organizations/stats", { cookie });
    expect(stats).toMatchObject({ status: 200, body: { memberCount: 1 } });
  });

  it("forums: POST and GET /forums/topics, GET /forums/topics/{id}, posts, search", async () => {
    const categories = await api("GET", "/forums/categories", { cookie });
    expect(categories.status).toBe(200);
    categoryId = categories.body[0].id;

    const created = await api("POST", "/forums/topics", {
      cookie,
      csrf,
      body: {
        title: "Laser cutter nozzle wear",
        categoryId,
        body: "<p>How often do you swap nozzles?</p>",
        visibility: "organization",
      },
    });
    expect(created.status).toBe(200);
    topicId = created.body.id;
    expect(created.body).toMatchObject({ title: "Laser cutter nozzle wear", visibility: "organization" });
    expect(created.body.createdAt).toMatch(ISO);

    const list = await api("GET", "/forums/topics", { cookie });
    expect(list.status).toBe(200);
    expect(list.body.items.map((t: { id: string }) => t.id)).toContain(topicId);
    // "false" is false (not coerced to true): the new topic is unanswered.
    const unanswered = await api("GET", `/forums/topics?answered=false&categoryId=${categoryId}`, { cookie });
    expect(unanswered.body.items.map((t: { id: string }) => t.id)).toContain(topicId);
    const answered = await api("GET", `/forums/topics?answered=true&categoryId=${categoryId}`, { cookie });
    expect(answered.body.items.map((t: { id: string }) => t.id)).not.toContain(topicId);

    const topic = await api("GET", `/forums/topics/${topicId}`, { cookie });
    expect(topic).toMatchObject({ status: 200, body: { id: topicId, can: { edit: true } } });

    const post = await api("POST", `/forums/topics/${topicId}/posts`, {
      cookie,
      csrf,
      body: { body: "<p>Every 40 hours.</p>" },
    });
    expect(post.status).toBe(200);
    postId = post.body.id;
    const reply = await api("POST", `/forums/topics/${topicId}/posts`, {
      cookie,
      csrf,
      body: { parentId: postId, body: "<p>Thanks!</p>" },
    });
    expect(reply).toMatchObject({ status: 200, body: { parentId: postId } });
    const edited = await api("PATCH", `/forums/posts/${postId}`, {
      cookie,
      csrf,
      body: { body: "<p>Every 50 hours.</p>" },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.editedAt).toMatch(ISO);

    const posts = await api("GET", `/forums/topics/${topicId}/posts?limit=10`, { cookie });
    expect(posts.status).toBe(200);
    expect(JSON.stringify(posts.body)).toContain("Every 50 hours");

    const best = await api("PATCH", `/forums/topics/${topicId}/best-answer`, { cookie, csrf, body: { postId } });
    expect(best).toMatchObject({ status: 200, body: { topicId, bestPostId: postId, answered: true } });

    const pinned = await api("POST", `/forums/topics/${topicId}/pin`, { cookie, csrf, body: { pinned: true } });
    // Pinning is for moderators (and admins on organization topics).
    expect(pinned).toMatchObject({ status: 200, body: { pinned: true } });

    const found = await api("GET", "/search/forums?q=nozzle", { cookie });
    expect(found.status).toBe(200);
    expect(found.body.items.map((h: { topic: { id: string } }) => h.topic.id)).toContain(topicId);
  });

  it("POST /users/invite, POST /invitations/accept, and the member's rights", async () => {
    const memberEmail = email("rest.member");
    const invited = await api("POST", "/users/invite", { cookie, csrf, body: { email: memberEmail, role: "member" } });
    expect(invited).toMatchObject({ status: 200, body: { email: memberEmail, status: "pending" } });
    const token = await mailToken(memberEmail, /invit/i);
    const accepted = await api("POST", "/invitations/accept", {
      body: { token, password: PASSWORD, firstName: "Mona", lastName: "Member", tokenType: "bearer" },
    });
    expect(accepted.status).toBe(200);
    const memberToken = accepted.body.token as string;

    // A member may read the topic but not list users or edit the topic.
    expect((await api("GET", `/forums/topics/${topicId}`, { token: memberToken })).status).toBe(200);
    expect((await api("GET", "/users", { token: memberToken })).body).toMatchObject({ appCode: "FORBIDDEN" });
    const edit = await api("PATCH", `/forums/topics/${topicId}`, {
      token: memberToken,
      body: { title: "Not mine to edit" },
    });
    expect(edit).toMatchObject({ status: 403, body: { appCode: "FORBIDDEN" } });

    // Messages: POST /messages, GET /messages, GET /messages/{user_id}, PATCH /messages/{id}/read,
    // DELETE /messages/{id}; GET /search/users.
    const memberId = accepted.body.user.id as string;
    const sent = await api("POST", "/messages", {
      cookie,
      csrf,
      body: { recipientId: memberId, body: "Welcome aboard", clientMessageId: "rest-welcome-1" },
    });
    expect(sent).toMatchObject({ status: 200, body: { body: "Welcome aboard", status: "sent" } });
    expect(sent.body.createdAt).toMatch(ISO);
    const inbox = await api("GET", "/messages", { token: memberToken });
    expect(inbox).toMatchObject({
      status: 200,
      body: { items: [{ unreadCount: 1, lastMessage: { id: sent.body.id } }] },
    });
    const adminId = inbox.body.items[0].peer.id as string;
    const thread = await api("GET", `/messages/${adminId}?limit=10`, { token: memberToken });
    expect(thread.body.items.map((m: { id: string }) => m.id)).toEqual([sent.body.id]);
    const read = await api("PATCH", `/messages/${sent.body.id}/read`, {
      token: memberToken,
      body: { userId: adminId },
    });
    expect(read).toMatchObject({ status: 200, body: { updated: 1 } });
    expect(
      (await api("DELETE", `/messages/${sent.body.id}?forEveryone=true`, { token: memberToken })).body,
    ).toMatchObject({
      appCode: "FORBIDDEN",
    });
    expect(await api("DELETE", `/messages/${sent.body.id}`, { token: memberToken })).toMatchObject({ status: 200 });
    const people = await api("GET", "/search/users?q=mona", { cookie });
    expect(people.body.items.map((p: { id: string }) => p.id)).toContain(memberId);

    // GET /users/{id}, PATCH /users/{id}, DELETE /users/{id} (deactivate).
    const member = await api("GET", `/users/${accepted.body.user.id}`, { cookie });
    expect(member).toMatchObject({ status: 200, body: { email: memberEmail, role: "member" } });
    const deactivated = await api("DELETE", `/users/${accepted.body.user.id}`, { cookie, csrf });
    expect(deactivated).toMatchObject({ status: 200, body: { status: "deactivated" } });
    expect((await api("GET", "/users/me", { token: memberToken })).status).toBe(401);
  });

  it("DELETE /forums/posts/{id} and /forums/topics/{id}", async () => {
    expect((await api("DELETE", `/forums/posts/${postId}`, { cookie, csrf })).status).toBe(200);
    expect((await api("DELETE", `/forums/topics/${topicId}`, { cookie, csrf })).status).toBe(200);
    expect((await api("GET", `/forums/topics/${topicId}`, { cookie })).body).toMatchObject({ appCode: "NOT_FOUND" });
  });

  it("POST /auth/logout ends the cookie session", async () => {
    expect((await api("POST", "/auth/logout", { cookie })).status).toBe(403); // no anti-CSRF header
    const out = await api("POST", "/auth/logout", { cookie, csrf });
    expect(out).toMatchObject({ status: 200, body: { ok: true } });
    const after = await api("GET", "/users/me", { cookie });
    expect(after).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED", appCode: "UNAUTHORIZED" } });
  });

  it("password reset: POST /auth/reset-password, then /auth/reset-password/confirm", async () => {
    expect(await api("POST", "/auth/reset-password", { body: { email: adminEmail } })).toMatchObject({
      status: 200,
      body: { ok: true },
    });
    const token = await mailToken(adminEmail, /reset/i);
    const confirmed = await api("POST", "/auth/reset-password/confirm", {
      body: { token, password: "a new long passphrase 42" },
    });
    expect(confirmed).toMatchObject({ status: 200, body: { ok: true } });
    const login = await api("POST", "/auth/login", {
      body: { email: adminEmail, password: "a new long passphrase 42" },
    });
    expect(login.status).toBe(200);
  });
});

describe("the same answers as /trpc", () => {
  let admin: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let topic: { id: string };

  beforeAll(async () => {
    admin = await signUpAdmin(server);
    [member, outsider] = await Promise.all([addMember(server, admin), signUpAdmin(server)]);
    const [category] = await admin.client.forums.listCategories.query();
    topic = await admin.client.forums.createTopic.mutate({
      title: "Organization only topic",
      categoryId: category?.id ?? "",
      body: "<p>internal</p>",
      visibility: "organization",
    });
  });

  /** The REST answer and the tRPC failure of the same call carry the same code, app code, message and fields. */
  async function same(rest: Promise<Answer>, trpc: Promise<unknown>, status: number) {
    const [r, t] = await Promise.all([rest, failure(trpc)]);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ code: t.code, appCode: t.appCode, message: t.message });
    expect((r.body.issues ?? []).map((i: { path: string }) => i.path).sort()).toEqual(t.fields);
    expect(r.body.requestId).toEqual(expect.any(String));
  }

  it("anonymous: 401 UNAUTHORIZED", async () => {
    await same(api("GET", "/users/me"), server.client().users.me.query(), 401);
    await same(api("GET", "/forums/topics"), server.client().forums.listTopics.query({}), 401);
    await same(
      api("POST", "/forums/topics", { body: {} }),
      server.client().forums.createTopic.mutate({} as never),
      401,
    );
  });

  it("a plain member where an admin is needed: 403 FORBIDDEN", async () => {
    await same(api("GET", "/users", { token: member.token }), member.client.users.list.query({}), 403);
    await same(
      api("POST", "/users/invite", { token: member.token, body: { email: email("x"), role: "member" } }),
      member.client.invitations.create.mutate({ email: email("y"), role: "member" }),
      403,
    );
  });

  it("another organization: 404 NOT_FOUND, never the data", async () => {
    await same(
      api("GET", `/forums/topics/${topic.id}`, { token: outsider.token }),
      outsider.client.forums.getTopic.query({ id: topic.id }),
      404,
    );
    await same(
      api("PATCH", `/users/${member.userId}`, { token: outsider.token, body: { role: "admin" } }),
      outsider.client.users.update.mutate({ id: member.userId, role: "admin" }),
      404,
    );
    await same(
      api("DELETE", `/forums/topics/${topic.id}`, { token: outsider.token }),
      outsider.client.forums.deleteTopic.mutate({ id: topic.id }),
      404,
    );
  });

  it("bad input: 400 with the same field issues", async () => {
    const input = { title: "x", categoryId: "nope", body: "", visibility: "everyone" };
    await same(
      api("POST", "/forums/topics", { token: admin.token, body: input }),
      admin.client.forums.createTopic.mutate(input as never),
      400,
    );
    await same(
      api("GET", "/users/not-a-uuid", { token: admin.token }),
      admin.client.users.get.query({ id: "not-a-uuid" }),
      400,
    );
  });

  it("API keys: data procedures yes, identity procedures no", async () => {
    const key = await admin.client.apiKeys.create.mutate({ name: "rest script", role: "admin" });
    expect((await api("GET", "/users", { token: key.key })).status).toBe(200);
    await same(
      api("PATCH", "/users/me", { token: key.key, body: { firstName: "Bot" } }),
      server.client({ token: key.key }).users.updateMe.mutate({ firstName: "Bot" }),
      403,
    );
  });

  it("rate limits: failed sign-ins answer 429 RATE_LIMITED with the wait, on both faces", async () => {
    const target = await signUpAdmin(server);
    const wrong = { email: target.email, password: "wrong password!" };
    let limited: Answer | undefined;
    for (let i = 0; i < 5 && !limited; i++) {
      const res = await api("POST", "/auth/login", { body: wrong });
      if (res.status === 429) limited = res;
      else expect(res).toMatchObject({ status: 401, body: { appCode: "INVALID_CREDENTIALS" } });
    }
    expect(limited?.body).toMatchObject({ code: "TOO_MANY_REQUESTS", appCode: "RATE_LIMITED" });
    expect(limited?.body.details.retryAfter).toBeGreaterThan(0);
    expect(limited?.headers.get("retry-after")).toBe(String(limited?.body.details.retryAfter));
    // The budget is the same one /trpc spends, and /trpc says when to try again the same way.
    expect(await failure(server.client().auth.signIn.mutate(wrong))).toMatchObject({ appCode: "RATE_LIMITED" });
    const overTrpc = await fetch(`${server.url}/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: wrong }),
    });
    expect(overTrpc.status).toBe(429);
    expect(Number(overTrpc.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("transport errors", () => {
  it("a body over the limit: 413 PAYLOAD_TOO_LARGE", async () => {
    const res = await api("POST", "/auth/login", {
      raw: { text: JSON.stringify({ pad: "x".repeat(70_000) }), type: "application/json" },
    });
    expect(res).toMatchObject({ status: 413, body: { appCode: "PAYLOAD_TOO_LARGE" } });
  });

  it("a URL over the header limit: 431 in the REST error shape, with a request id", async () => {
    const res = await api("GET", `/search?q=${"a".repeat(20_000)}`);
    expect(res).toMatchObject({
      status: 431,
      body: { code: "PAYLOAD_TOO_LARGE", appCode: "PAYLOAD_TOO_LARGE", message: expect.stringContaining("shorten") },
    });
    expect(res.body.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("a body that is not JSON: 415; malformed JSON: 400 Malformed request", async () => {
    expect(
      await api("POST", "/auth/login", { raw: { text: "email=a", type: "application/x-www-form-urlencoded" } }),
    ).toMatchObject({
      status: 415,
      body: { appCode: "UNSUPPORTED_MEDIA_TYPE" },
    });
    expect(await api("POST", "/auth/login", { raw: { text: "{nope", type: "application/json" } })).toMatchObject({
      status: 400,
      body: { appCode: "BAD_REQUEST", message: "Malformed request" },
    });
    expect(await api("POST", "/auth/login", { raw: { text: "[1]", type: "application/json" } })).toMatchObject({
      status: 400,
      body: { appCode: "BAD_REQUEST" },
    });
  });

  it("an unknown endpoint: 404; a known one with another method: 405 with Allow; the same error body", async () => {
    expect(await api("GET", "/nothing/here")).toMatchObject({
      status: 404,
      body: { code: "NOT_FOUND", appCode: "NOT_FOUND" },
    });
    const put = await api("PUT", "/users/me");
    expect(put).toMatchObject({ status: 405, body: { code: "METHOD_NOT_SUPPORTED", appCode: "METHOD_NOT_ALLOWED" } });
    expect(put.headers.get("allow")).toBe("GET, PATCH");
    const remove = await api("DELETE", "/tasks");
    expect(remove.status).toBe(405);
    expect(remove.headers.get("allow")).toBe("GET, POST");
    // A path with a parameter: the methods of that shape, whatever the parameter is called.
    expect((await api("PUT", `/tasks/${crypto.randomUUID()}`)).headers.get("allow")).toBe("DELETE, GET, PATCH");
    // A literal path is not taken for a parameter of another: GET /users/invite is not user "invite".
    const invite = await api("GET", "/users/invite");
    expect(invite).toMatchObject({ status: 405, body: { code: "METHOD_NOT_SUPPORTED" } });
    expect(invite.headers.get("allow")).toBe("POST");
  });

  it("REST requests leave the procedures' schemas alone: tRPC still refuses a string for a boolean", async () => {
    const admin = await signUpAdmin(server);
    expect((await api("GET", "/forums/topics?answered=false&limit=5", { token: admin.token })).status).toBe(200);
    const refused = await failure(admin.client.forums.listTopics.query({ answered: "false", limit: "5" } as never));
    expect(refused).toMatchObject({ appCode: "BAD_REQUEST", fields: ["answered", "limit"] });
  });
});
