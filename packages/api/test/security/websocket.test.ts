import { type P2PClient, TRPCClientError } from "@p2p/client";
import { addMember, signIn, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authInvalidation } from "../../src/infra/auth/provider";
import { waitFor } from "../helpers";

/**
 * An open WebSocket carries the caller's rights as they are now, not as they were when it
 * connected: every call over it and every running subscription sees a demotion, deactivation,
 * sign-out or key revocation at once.
 */
let server: TestServer;
let categoryId: string;

beforeAll(async () => {
  // Many calls in a burst here; the per-connection rate has its own test below.
  server = await startTestServer({ env: { WS_CALLS_PER_SECOND: "1000" } });
  const someone = await signUpAdmin(server);
  categoryId = (await someone.client.forums.listCategories.query())[0]?.id ?? "";
});
afterAll(() => server?.close());

/** Two admins of one organization. */
async function twoAdmins() {
  const first = await signUpAdmin(server);
  const second = await addMember(server, first);
  await first.client.users.update.mutate({ id: second.userId, role: "admin" });
  return { first, second };
}

/** A client whose queries, mutations and subscriptions all go over one WebSocket. */
const overWebSocket = (token: string) => server.client({ token, allCallsOverWebSocket: true });

/** A running topic subscription and how it ended. */
async function liveTopic(client: P2PClient, author: TestUser) {
  const topic = await author.client.forums.createTopic.mutate({
    title: "Compressor pressure drops at night",
    categoryId,
    body: "<p>Any ideas?</p>",
    visibility: "organization",
  });
  const state = { events: 0, stopped: false, error: undefined as unknown };
  const sub = client.forums.onTopic.subscribe(
    { topicId: topic.id },
    {
      onData: () => {
        state.events++;
      },
      onStopped: () => {
        state.stopped = true;
      },
      onError: (err) => {
        state.error = err;
      },
    },
  );
  // The subscriber's own presence arrives once it is live.
  await waitFor(() => state.events > 0 || state.error);
  expect(state.error).toBeUndefined();
  return { state, stop: () => sub.unsubscribe() };
}

const codeOf = (call: Promise<unknown>) =>
  call.then(
    () => "succeeded",
    (err: unknown) => (err instanceof TRPCClientError ? (err.data?.code as string) : String(err)),
  );

describe("an already-open WebSocket", () => {
  it("loses admin rights at once when its user is demoted, and its subscriptions stop", async () => {
    const { first, second } = await twoAdmins();
    const ws = overWebSocket(first.token);
    expect((await ws.users.list.query({})).items.length).toBeGreaterThan(1);
    const live = await liveTopic(ws, first);

    await second.client.users.update.mutate({ id: first.userId, role: "member" });

    expect(await codeOf(ws.users.update.mutate({ id: first.userId, role: "admin" }))).toBe("FORBIDDEN");
    expect(await codeOf(ws.users.list.query({}))).toBe("FORBIDDEN");
    await waitFor(() => live.state.stopped);
    expect((await second.client.users.get.query({ id: first.userId })).role).toBe("member");
    // Still a member: the same socket keeps working for what a member may do.
    expect((await ws.auth.me.query()).role).toBe("member");
  });

  it("is signed out when its user is deactivated: no reactivating itself, no taking over", async () => {
    const { first, second } = await twoAdmins();
    const ws = overWebSocket(first.token);
    const live = await liveTopic(ws, first);

    await second.client.users.deactivate.mutate({ id: first.userId });

    expect(await codeOf(ws.users.reactivate.mutate({ id: first.userId }))).toBe("UNAUTHORIZED");
    expect(await codeOf(ws.users.deactivate.mutate({ id: second.userId }))).toBe("UNAUTHORIZED");
    await waitFor(() => live.state.stopped);
    expect((await second.client.auth.me.query()).user.id).toBe(second.userId);
  });

  it("is signed out by auth.signOut sent over itself", async () => {
    const user = await signUpAdmin(server);
    const ws = overWebSocket(user.token);
    const live = await liveTopic(ws, user);

    await ws.auth.signOut.mutate();

    expect(await codeOf(ws.users.updateMe.mutate({ title: "Taken over" }))).toBe("UNAUTHORIZED");
    await waitFor(() => live.state.stopped);
    expect((await signIn(server, user.email)).session.user.title).toBeNull();
  });

  it("is signed out by auth.signOutEverywhere from another session", async () => {
    const user = await signUpAdmin(server);
    const ws = overWebSocket(user.token);
    const live = await liveTopic(ws, user);
    const other = await signIn(server, user.email);

    await other.client.auth.signOutEverywhere.mutate();

    expect(await codeOf(ws.users.list.query({}))).toBe("UNAUTHORIZED");
    await waitFor(() => live.state.stopped);
  });

  it("ends its subscriptions when the session expires, which no one announces", async () => {
    const user = await signUpAdmin(server);
    const ws = overWebSocket(user.token);
    const live = await liveTopic(ws, user);
    const sessionId = user.token.split(".")[0] as string;
    await server.deps.db
      .updateTable("sessions")
      .set({ expiresAt: new Date(Date.now() - 1_000) })
      .where("id", "=", sessionId)
      .execute();
    await server.deps.authenticator.endExpiredWatches(); // what runs every minute
    await waitFor(() => live.state.stopped);
    expect(await codeOf(ws.users.list.query({}))).toBe("UNAUTHORIZED");
  });

  it("keeps its session alive by being used, as requests do", async () => {
    const user = await signUpAdmin(server);
    const sessionId = user.token.split(".")[0] as string;
    const session = () =>
      server.deps.db.selectFrom("sessions").select("expiresAt").where("id", "=", sessionId).executeTakeFirstOrThrow();
    const ws = overWebSocket(user.token);
    await ws.users.me.query();
    // Last used ten minutes ago, 40 s left: a call over the socket now is use, and slides the expiry.
    await server.deps.db
      .updateTable("sessions")
      .set({ lastUsedAt: new Date(Date.now() - 10 * 60_000), expiresAt: new Date(Date.now() + 40_000) })
      .where("id", "=", sessionId)
      .execute();
    // The node's copy of the session is dropped (as when another node rotates it) and read again.
    await server.deps.events.broadcast(authInvalidation, "all", { rotatedSessionIds: [sessionId] });
    await waitFor(async () => {
      await ws.users.me.query();
      return (await session()).expiresAt.getTime() > Date.now() + 60 * 60_000;
    });
  });

  it("stops working for a revoked API key, calls and subscriptions alike", async () => {
    const admin = await signUpAdmin(server);
    const { id, key } = await admin.client.apiKeys.create.mutate({ name: "ERP sync", role: "admin" });
    const ws = overWebSocket(key);
    expect((await ws.users.list.query({})).items).toHaveLength(1);
    const live = await liveTopic(ws, admin);

    await admin.client.apiKeys.revoke.mutate({ id });

    expect(await codeOf(ws.users.list.query({}))).toBe("UNAUTHORIZED");
    await waitFor(() => live.state.stopped);
  });

  it("is refused an admin action when the API key's creator was demoted", async () => {
    const { first, second } = await twoAdmins();
    const { key } = await first.client.apiKeys.create.mutate({ name: "Reporting", role: "admin" });
    const ws = overWebSocket(key);
    expect(await codeOf(ws.apiKeys.list.query())).toBe("succeeded");

    await second.client.users.update.mutate({ id: first.userId, role: "member" });

    expect(await codeOf(ws.apiKeys.list.query())).toBe("FORBIDDEN");
  });
});

describe("API keys are for data, not identity", () => {
  it("are refused on every auth procedure but auth.me, and on updateMe and changePassword", async () => {
    const admin = await signUpAdmin(server);
    const { key } = await admin.client.apiKeys.create.mutate({ name: "Script", role: "member" });
    const api = server.client({ token: key });
    expect((await api.auth.me.query()).user.id).toBe(admin.userId);
    const refused = {
      "auth.totp.setup": api.auth.totp.setup.mutate(),
      "auth.totp.enable": api.auth.totp.enable.mutate({ code: "123456", password: "not-checked" }),
      "auth.totp.disable": api.auth.totp.disable.mutate({ code: "123456" }),
      "auth.signOut": api.auth.signOut.mutate(),
      "auth.signOutEverywhere": api.auth.signOutEverywhere.mutate(),
      "auth.sessions.list": api.auth.sessions.list.query(),
      "auth.sessions.revoke": api.auth.sessions.revoke.mutate({ id: admin.session.user.id }),
      "auth.resendVerification": api.auth.resendVerification.mutate(),
      "users.updateMe": api.users.updateMe.mutate({ title: "Hijacked" }),
      "users.changePassword": api.users.changePassword.mutate({
        current: "correct horse battery staple",
        next: "another long passphrase 42",
      }),
    };
    const codes = Object.fromEntries(
      await Promise.all(Object.entries(refused).map(async ([path, call]) => [path, await codeOf(call)])),
    );
    expect(codes).toEqual(Object.fromEntries(Object.keys(refused).map((path) => [path, "FORBIDDEN"])));
    // Nothing changed for the person behind the key.
    expect((await admin.client.auth.sessions.list.query()).items).toHaveLength(1);
    expect((await admin.client.users.me.query()).title).toBeNull();
  });
});

/** One answer on a raw socket: its id, a result, or an error's tRPC code. */
interface Answer {
  id?: number | string | null;
  result?: { type?: string };
  error?: { data?: { code?: string } };
}
const answerOf = (data: unknown): Answer => {
  const raw = JSON.parse(String(data)) as Answer & { error?: { json?: Answer["error"] } };
  return { ...raw, error: raw.error?.json ?? raw.error };
};

const opened = (socket: WebSocket) =>
  new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error("WebSocket failed to open")), { once: true });
  });

/** A raw WebSocket (Node's own client) speaking tRPC's JSON-RPC, for what the typed client cannot express. */
async function rawSocket(token?: string) {
  const socket = new WebSocket(`${server.url.replace(/^http/, "ws")}/trpc${token ? "?connectionParams=1" : ""}`);
  const messages: Answer[] = [];
  socket.addEventListener("message", ({ data }) => {
    if (String(data) === "PING") socket.send("PONG");
    else messages.push(answerOf(data));
  });
  await opened(socket);
  if (token) socket.send(JSON.stringify({ method: "connectionParams", data: { token } }));
  return { socket, messages };
}

const call = (id: number, path: string, method: "query" | "mutation" | "subscription" = "query", input?: unknown) => ({
  id,
  jsonrpc: "2.0",
  method,
  params: { path, input: { json: input ?? null } },
});

describe("WebSocket limits", () => {
  it("refuses a frame of more calls than the batch limit, answering none of them", async () => {
    const { socket, messages } = await rawSocket();
    socket.send(JSON.stringify(Array.from({ length: 1000 }, (_, i) => call(i + 1, "system.info"))));
    await waitFor(() => messages.length >= 1000);
    expect(messages.every((m) => m.error?.data?.code === "BAD_REQUEST")).toBe(true);
    socket.close();
  });

  it("lets an anonymous socket call public procedures only", async () => {
    const { socket, messages } = await rawSocket();
    socket.send(JSON.stringify([call(1, "system.info"), call(2, "users.list", "query", {})]));
    await waitFor(() => messages.length >= 2);
    expect(messages.find((m) => m.id === 1)?.result).toBeDefined();
    expect(messages.find((m) => m.id === 2)?.error?.data?.code).toBe("UNAUTHORIZED");
    socket.close();
  });

  it("caps open subscriptions per connection", async () => {
    const user = await signUpAdmin(server);
    const { socket, messages } = await rawSocket(user.token);
    const max = server.deps.config.limits.ws.maxSubscriptions;
    for (let i = 1; i <= max + 1; i++) socket.send(JSON.stringify(call(i, "auth.onSessionEnded", "subscription")));
    const over = await waitFor(() => messages.find((m) => m.id === max + 1 && m.error));
    expect(over.error?.data?.code).toBe("TOO_MANY_REQUESTS");
    const started = () => new Set(messages.filter((m) => m.result?.type === "started").map((m) => m.id));
    await waitFor(() => started().size === max);
    expect(started().has(max + 1)).toBe(false);
    // Stopping one makes room for another.
    socket.send(JSON.stringify({ id: 1, jsonrpc: "2.0", method: "subscription.stop" }));
    socket.send(JSON.stringify(call(max + 2, "auth.onSessionEnded", "subscription")));
    await waitFor(() => messages.some((m) => m.id === max + 2 && m.result?.type === "started"));
    socket.close();
  });
});

describe("WebSocket call rate", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ stores: server.stores, env: { WS_CALLS_PER_SECOND: "5" }, runWorker: false });
  });
  afterAll(() => limited?.close());

  it("answers calls past the per-connection rate with RATE_LIMITED, and recovers", async () => {
    const socket = new WebSocket(`${limited.url.replace(/^http/, "ws")}/trpc`);
    const messages: Answer[] = [];
    socket.addEventListener("message", ({ data }) => messages.push(answerOf(data)));
    await opened(socket);
    socket.send(JSON.stringify(Array.from({ length: 8 }, (_, i) => call(i + 1, "system.info"))));
    await waitFor(() => messages.length >= 8);
    expect(messages.filter((m) => m.result).length).toBe(5);
    expect(messages.filter((m) => m.error?.data?.code === "TOO_MANY_REQUESTS").length).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the rate is per second: wait one out
    socket.send(JSON.stringify(call(100, "system.info")));
    await waitFor(() => messages.some((m) => m.id === 100));
    expect(messages.find((m) => m.id === 100)?.result).toBeDefined();
    socket.close();
  });
});

describe("a subscription over plain HTTP (server-sent events)", () => {
  /** `forums.onTopic` as a server-sent-events stream: what it said so far, and whether it ended. */
  async function sseTopic(token: string, topicId: string) {
    const input = encodeURIComponent(JSON.stringify({ json: { topicId } }));
    const controller = new AbortController();
    const res = await fetch(`${server.url}/trpc/forums.onTopic?input=${input}`, {
      headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
      signal: controller.signal,
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const state = { text: "", ended: false };
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          state.text += decoder.decode(value, { stream: true });
        }
      } catch {}
      state.ended = true;
    })();
    await waitFor(() => state.text.includes("event: connected"));
    return { state, close: () => controller.abort() };
  }

  const losses: [string, (admin: TestUser, member: TestUser) => Promise<string>][] = [
    [
      "deactivated",
      async (admin, member) => {
        await admin.client.users.deactivate.mutate({ id: member.userId });
        return member.token;
      },
    ],
    [
      "signed out",
      async (_admin, member) => {
        await member.client.auth.signOut.mutate();
        return member.token;
      },
    ],
  ];
  for (const [name, lose] of losses) {
    it(`ends at once when its caller is ${name}, and says nothing more`, async () => {
      const admin = await signUpAdmin(server);
      const member = await addMember(server, admin);
      const topic = await admin.client.forums.createTopic.mutate({
        title: "Tooling budget",
        categoryId,
        body: "<p>Internal only</p>",
        visibility: "organization",
      });
      const sse = await sseTopic(member.token, topic.id);
      await admin.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Seen while a member</p>" });
      await waitFor(() => sse.state.text.includes("Seen while a member"));

      await lose(admin, member);
      await waitFor(() => sse.state.ended);
      await admin.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Secret after the loss</p>" });
      await new Promise((r) => setTimeout(r, 300));
      expect(sse.state.text).not.toContain("Secret after the loss");
      sse.close();
    });
  }

  it("ends for a revoked API key", async () => {
    const admin = await signUpAdmin(server);
    const { id, key } = await admin.client.apiKeys.create.mutate({ name: "Wallboard", role: "member" });
    const topic = await admin.client.forums.createTopic.mutate({
      title: "Line 3 status",
      categoryId,
      body: "<p>Internal only</p>",
      visibility: "organization",
    });
    const sse = await sseTopic(key, topic.id);
    await admin.client.apiKeys.revoke.mutate({ id });
    await waitFor(() => sse.state.ended);
    await admin.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>After the revocation</p>" });
    await new Promise((r) => setTimeout(r, 300));
    expect(sse.state.text).not.toContain("After the revocation");
    sse.close();
  });
});
