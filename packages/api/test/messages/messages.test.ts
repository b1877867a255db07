import type { P2PClient } from "@p2p/client";
import type { MyEvent } from "@p2p/schemas";
import { addMember, failure, signIn, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { touchConversationQuery } from "../../src/modules/messages/repo";
import { expectKeyReused, restPost, waitFor } from "../helpers";

type EventOf<T extends MyEvent["type"]> = Extract<MyEvent, { type: T }>;

let server: TestServer;
let nodeB: TestServer;
let alice: TestUser; // org A admin
let bob: TestUser; // org B admin: conversations cross organizations
let carol: TestUser; // org A member: a third person, never part of alice and bob's conversation
let mallory: TestUser; // org C: an outsider
const cleanups: (() => unknown)[] = [];
let seq = 0;
const clientId = () => `cmid-${Date.now().toString(36)}-${++seq}`;

/** The messages `user` ever sent, to show that a refused send wrote nothing. */
const sentBy = async (user: TestUser) =>
  Number(
    (
      await server.deps.db
        .selectFrom("messages")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("senderId", "=", user.userId)
        .executeTakeFirstOrThrow()
    ).n,
  );

/** The personal stream of one client and everything it received. */
interface Watch {
  events: { id: string; data: MyEvent }[];
  error: unknown;
  /** The server ended the subscription (e.g. the session was signed out). */
  stopped: boolean;
  of<T extends MyEvent["type"]>(type: T): EventOf<T>[];
  lastId(): string | undefined;
  unsubscribe(): void;
}

function watch(client: P2PClient, lastEventId?: string): Watch {
  const w: Watch = {
    events: [],
    error: undefined,
    stopped: false,
    of: <T extends MyEvent["type"]>(type: T) =>
      w.events.map((e) => e.data).filter((d): d is EventOf<T> => d.type === type),
    lastId: () => w.events.at(-1)?.id,
    unsubscribe: () => sub.unsubscribe(),
  };
  const sub = client.me.onEvents.subscribe(
    { lastEventId },
    {
      onData: (e) => w.events.push(e as { id: string; data: MyEvent }),
      onError: (err) => {
        w.error = err;
      },
      onStopped: () => {
        w.stopped = true;
      },
    },
  );
  cleanups.push(() => sub.unsubscribe());
  return w;
}

/** Online as far as `viewer` can tell (their conversation or contact), i.e. the stream is attached. */
async function online(viewer: TestUser, user: TestUser) {
  await waitFor(async () => {
    const [p] = await viewer.client.presence.get.query({ userIds: [user.userId] });
    return p?.status === "online";
  });
}

/** `user`'s stream is attached: a first message gives `sender` the right to see their presence. */
async function streaming(sender: TestUser, user: TestUser) {
  await send(sender, user, "hello");
  await online(sender, user);
}

const send = (
  from: TestUser,
  to: TestUser,
  body: string,
  extra: { clientMessageId?: string; attachmentIds?: string[] } = {},
) =>
  from.client.messages.send.mutate({
    recipientId: to.userId,
    body,
    clientMessageId: extra.clientMessageId ?? clientId(),
    attachmentIds: extra.attachmentIds,
  });

async function upload(user: TestUser, name = "drawing.txt") {
  const res = await fetch(`${server.url}/files?name=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { "content-type": "text/plain", authorization: `Bearer ${user.token}` },
    body: "flange drawing rev B\n",
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

const download = (user: TestUser, id: string) =>
  fetch(`${server.url}/files/${id}`, { headers: { authorization: `Bearer ${user.token}` } });

beforeAll(async () => {
  server = await startTestServer({ env: { MESSAGES_PER_10_SECONDS: "1000" } });
  nodeB = await startTestServer({ stores: server.stores, env: { MESSAGES_PER_10_SECONDS: "1000" } });
  alice = await signUpAdmin(server, { firstName: "Alice", lastName: "Anders" });
  bob = await signUpAdmin(server, { firstName: "Bob", lastName: "Brandt" });
  carol = await addMember(server, alice);
  mallory = await signUpAdmin(server, { firstName: "Mallory", lastName: "Outside" });
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) cleanup();
  await nodeB?.close();
  await server?.close();
});

describe("messages.send, history and conversations", () => {
  it("sends across organizations; both see it in history, the list and the unread count", async () => {
    const sent = await send(alice, bob, "Hello Bob, about the @Bob chiller quote: https://example.com/q/42");
    expect(sent).toMatchObject({
      senderId: alice.userId,
      recipientId: bob.userId,
      body: "Hello Bob, about the @Bob chiller quote: https://example.com/q/42",
      status: "sent",
      deleted: false,
      reactions: [],
      attachments: [],
    });
    const history = await bob.client.messages.history.query({ userId: alice.userId });
    expect(history.items.map((m) => m.id)).toEqual([sent.id]);
    expect((await alice.client.messages.history.query({ userId: bob.userId })).items[0]?.id).toBe(sent.id);

    const bobs = await bob.client.messages.listConversations.query({});
    expect(bobs.items[0]).toMatchObject({
      peer: { id: alice.userId, firstName: "Alice", organization: { id: alice.organizationId } },
      lastMessage: { id: sent.id },
      unreadCount: 1,
    });
    expect(bobs.items[0]?.peer).not.toHaveProperty("email");
    expect((await alice.client.messages.listConversations.query({})).items[0]).toMatchObject({
      peer: { id: bob.userId },
      unreadCount: 0,
    });
    expect((await bob.client.messages.unreadCount.query()).unread).toBe(1);
    // Searchable by the peer's name.
    expect((await bob.client.messages.listConversations.query({ q: "ander" })).items).toHaveLength(1);
    expect((await bob.client.messages.listConversations.query({ q: "nobody-like-this" })).items).toHaveLength(0);
  });

  it("a retried send with the same clientMessageId is one message, also when retries race", async () => {
    const clientMessageId = clientId();
    const first = await send(alice, carol, "Shift handover at 6", { clientMessageId });
    const again = await send(alice, carol, "Shift handover at 6", { clientMessageId });
    expect(again.id).toBe(first.id);
    const racing = clientId();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => send(alice, carol, "Racing retry", { clientMessageId: racing })),
    );
    expect(new Set(results.map((m) => m.id)).size).toBe(1);
    const history = await carol.client.messages.history.query({ userId: alice.userId });
    expect(history.items.filter((m) => m.body === "Racing retry")).toHaveLength(1);
    expect(history.items.filter((m) => m.body === "Shift handover at 6")).toHaveLength(1);
  });

  it("a clientMessageId is for retries of one send: another text, file or person is CONFLICT, and nothing is sent", async () => {
    const clientMessageId = clientId();
    const first = await send(alice, carol, "Pump 3 is down", { clientMessageId });
    // The same send, written differently (edges trimmed by the schema), is a retry.
    expect((await send(alice, carol, "  Pump 3 is down\n", { clientMessageId })).id).toBe(first.id);

    const before = await sentBy(alice);
    const { id: fileId } = await upload(alice);
    for (const other of [
      send(alice, carol, "Pump 3 is down!", { clientMessageId }),
      send(alice, carol, "Pump 3 is down", { clientMessageId, attachmentIds: [fileId] }),
      send(alice, bob, "Pump 3 is down", { clientMessageId }),
    ]) {
      expectKeyReused(await failure(other), clientMessageId);
    }
    expect(await sentBy(alice)).toBe(before);
    expect((await bob.client.messages.history.query({ userId: alice.userId })).items.map((m) => m.body)).not.toContain(
      "Pump 3 is down",
    );
    // The first send is still the answer to its retries.
    expect((await send(alice, carol, "Pump 3 is down", { clientMessageId })).id).toBe(first.id);
  });

  it("over REST, the Idempotency-Key header is the clientMessageId", async () => {
    const key = clientId();
    const request = { recipientId: carol.userId, body: "Crane inspection at 9" };
    const first = await restPost(server, alice.token, "/messages", { body: request, key });
    expect(first).toMatchObject({ status: 200, body: { clientMessageId: key, body: "Crane inspection at 9" } });
    // A retry whose JSON is spaced and ordered differently is the same request.
    const spaced = `{ "body" : "Crane inspection at 9",\n  "recipientId": "${carol.userId}" }`;
    expect(await restPost(server, alice.token, "/messages", { json: spaced, key })).toMatchObject({
      status: 200,
      body: { id: first.body.id },
    });

    const before = await sentBy(alice);
    const changed = await restPost(server, alice.token, "/messages", {
      body: { ...request, body: "Crane inspection at 10" },
      key,
    });
    expect(changed).toMatchObject({ status: 409, body: { appCode: "CONFLICT", details: { idempotencyKey: key } } });
    expect(changed.body.message).toContain(key);
    // The header and the body naming two keys: refused, not guessed.
    expect(
      await restPost(server, alice.token, "/messages", { body: { ...request, clientMessageId: clientId() }, key }),
    ).toMatchObject({ status: 400, body: { appCode: "BAD_REQUEST", issues: [{ path: "clientMessageId" }] } });
    expect(await sentBy(alice)).toBe(before);
  });

  it("two people writing to each other at the same moment: every message lands", async () => {
    const [kai, lin] = [await signUpAdmin(server), await signUpAdmin(server)];
    // One request per message, as two apps send them: each pair meets on the server.
    const unbatched = (user: TestUser) => ({ ...user, client: server.client({ token: user.token, maxBatchItems: 1 }) });
    const [k, l] = [unbatched(kai), unbatched(lin)];
    const rounds = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => [send(k, l, `ping ${i}`), send(l, k, `pong ${i}`)]).flat(),
    );
    expect(
      rounds.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason)),
    ).toEqual([]);
    const { items } = await kai.client.messages.history.query({ userId: lin.userId, limit: 100 });
    expect(items).toHaveLength(100);
    // What keeps them apart: both directions write the conversation's two rows in one order (in
    // opposite orders, two sends at once deadlocked now and then: a 500).
    const at = new Date();
    const sqlOf = (from: string, to: string) => {
      const { sql, parameters } = touchConversationQuery(server.deps.db, from, to, at).compile();
      return { sql, parameters };
    };
    expect(sqlOf(kai.userId, lin.userId)).toEqual(sqlOf(lin.userId, kai.userId));
  });

  it("refuses bad input with the field, and writes nothing", async () => {
    const before = await server.deps.db
      .selectFrom("messages")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirst();
    const cases: [Promise<unknown>, string][] = [
      [send(alice, bob, ""), "body"],
      [send(alice, bob, "x".repeat(4_001)), "body"],
      [send(alice, bob, "bell\u0007"), "body"],
      [send(alice, alice, "me"), "recipientId"],
      [send(alice, bob, "hi", { clientMessageId: "bad id!!" }), "clientMessageId"],
      [
        alice.client.messages.send.mutate({ recipientId: "nope", body: "x", clientMessageId: clientId() }),
        "recipientId",
      ],
    ];
    for (const [call, field] of cases)
      expect(await failure(call)).toMatchObject({ appCode: "BAD_REQUEST", fields: [field] });
    const bobsFile = await upload(bob);
    expect(await failure(send(alice, bob, "hi", { attachmentIds: [bobsFile.id] }))).toMatchObject({
      fields: ["attachmentIds"],
    });
    const after = await server.deps.db
      .selectFrom("messages")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirst();
    expect(after).toEqual(before);
  });

  it("filters history by date and pages it newest first", async () => {
    const dave = await signUpAdmin(server);
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await send(dave, alice, `note ${i}`));
    const page1 = await alice.client.messages.history.query({ userId: dave.userId, limit: 2 });
    expect(page1.items.map((m) => m.body)).toEqual(["note 4", "note 3"]);
    const page2 = await alice.client.messages.history.query({
      userId: dave.userId,
      limit: 2,
      cursor: page1.nextCursor,
    });
    expect(page2.items.map((m) => m.body)).toEqual(["note 2", "note 1"]);
    const middle = sent[2] as (typeof sent)[number];
    const before = await alice.client.messages.history.query({ userId: dave.userId, before: middle.createdAt });
    expect(before.items.map((m) => m.body)).toEqual(["note 1", "note 0"]);
    const after = await alice.client.messages.history.query({ userId: dave.userId, after: middle.createdAt });
    expect(after.items.map((m) => m.body)).toEqual(["note 4", "note 3"]);
  });
});

describe("attachments", () => {
  it("a file is attached once", async () => {
    const file = await upload(alice);
    expect(await failure(send(alice, bob, "twice", { attachmentIds: [file.id, file.id] }))).toMatchObject({
      fields: ["attachmentIds"],
    });
  });

  it("only the two participants download a message's attachment", async () => {
    const file = await upload(alice, "quote.txt");
    const sent = await send(alice, bob, "", { attachmentIds: [file.id] });
    expect(sent.attachments).toEqual([{ id: file.id, name: "quote.txt", contentType: expect.any(String), size: 21 }]);
    expect((await download(bob, file.id)).status).toBe(200);
    expect((await download(carol, file.id)).status).toBe(404);
    expect((await download(mallory, file.id)).status).toBe(404);
    // Deleted for everyone: gone for the recipient too.
    await alice.client.messages.delete.mutate({ id: sent.id, forEveryone: true });
    expect((await download(bob, file.id)).status).toBe(404);
  });

  it("sent with a file deleted at the same moment: one of the two wins, no message loses its file", async () => {
    for (let round = 0; round < 5; round++) {
      const file = await upload(alice, "race.txt");
      const [sent, deleted] = await Promise.allSettled([
        send(alice, bob, "", { attachmentIds: [file.id] }),
        alice.client.files.delete.mutate({ id: file.id }),
      ]);
      expect([sent.status, deleted.status].sort()).toEqual(["fulfilled", "rejected"]);
      if (sent.status === "fulfilled") {
        expect(sent.value.attachments.map((a) => a.id)).toEqual([file.id]);
        expect((await download(bob, file.id)).status).toBe(200);
      } else expect((await failure(Promise.reject(sent.reason))).fields).toEqual(["attachmentIds"]);
    }
  });
});

describe("receipts", () => {
  it("only the recipient moves a status, only forward; the sender sees each change with its time", async () => {
    const m1 = await send(bob, carol, "first");
    const m2 = await send(bob, carol, "second");
    // The sender cannot mark their own messages.
    expect((await bob.client.messages.markDelivered.mutate({ messageIds: [m1.id] })).updated).toBe(0);
    expect((await carol.client.messages.markDelivered.mutate({ messageIds: [m1.id, m1.id] })).updated).toBe(1);
    expect((await carol.client.messages.markDelivered.mutate({ messageIds: [m1.id] })).updated).toBe(0);
    expect(await bob.client.messages.statusHistory.query({ messageId: m1.id })).toEqual([
      { status: "sent", at: m1.createdAt },
      { status: "delivered", at: expect.any(Date) },
    ]);
    expect((await carol.client.messages.markRead.mutate({ userId: bob.userId, upToMessageId: m2.id })).updated).toBe(2);
    expect((await carol.client.messages.markRead.mutate({ userId: bob.userId, upToMessageId: m2.id })).updated).toBe(0);
    const history = await bob.client.messages.history.query({ userId: carol.userId });
    expect(history.items.map((m) => m.status)).toEqual(["read", "read"]);
    expect((await bob.client.messages.statusHistory.query({ messageId: m2.id })).map((s) => s.status)).toEqual([
      "sent",
      "delivered",
      "read",
    ]);
    // Receipts are the sender's: the recipient is refused, a third person sees nothing.
    expect(await failure(carol.client.messages.statusHistory.query({ messageId: m2.id }))).toMatchObject({
      appCode: "FORBIDDEN",
    });
    expect(await failure(mallory.client.messages.statusHistory.query({ messageId: m2.id }))).toMatchObject({
      appCode: "NOT_FOUND",
    });
    // A message of another conversation is not a read marker.
    expect(
      await failure(mallory.client.messages.markRead.mutate({ userId: bob.userId, upToMessageId: m2.id })),
    ).toMatchObject({
      appCode: "NOT_FOUND",
    });
  });

  it("keeps unread counts exact under parallel senders and readers", async () => {
    const reader = await signUpAdmin(server);
    const senders = await Promise.all([signUpAdmin(server), signUpAdmin(server), signUpAdmin(server)]);
    const sent = await Promise.all(
      senders.flatMap((s) => Array.from({ length: 10 }, (_, i) => send(s, reader, `m${i}`))),
    );
    expect((await reader.client.messages.unreadCount.query()).unread).toBe(30);
    // Reads of two conversations race with more sends in the third.
    const [s0, s1, s2] = senders as [TestUser, TestUser, TestUser];
    // The newest of a sender's messages (parallel sends need not finish in order).
    const last = (s: TestUser) =>
      sent
        .filter((m) => m.senderId === s.userId)
        .sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || (x.id < y.id ? -1 : 1))
        .at(-1)?.id as string;
    await Promise.all([
      reader.client.messages.markRead.mutate({ userId: s0.userId, upToMessageId: last(s0) }),
      reader.client.messages.markRead.mutate({ userId: s1.userId, upToMessageId: last(s1) }),
      ...Array.from({ length: 10 }, (_, i) => send(s2, reader, `more ${i}`)),
    ]);
    expect((await reader.client.messages.unreadCount.query()).unread).toBe(20);
    const list = await reader.client.messages.listConversations.query({});
    const unread = Object.fromEntries(list.items.map((c) => [c.peer.id, c.unreadCount]));
    expect(unread).toEqual({ [s0.userId]: 0, [s1.userId]: 0, [s2.userId]: 20 });
  });
});

describe("edit, delete, react", () => {
  it("the sender edits (marked edited); the other participant and outsiders cannot", async () => {
    const m = await send(alice, bob, "Pump at 40 Hz");
    const edited = await alice.client.messages.edit.mutate({ id: m.id, body: "Pump at 45 Hz" });
    expect(edited).toMatchObject({ body: "Pump at 45 Hz", editedAt: expect.any(Date) });
    expect(await failure(bob.client.messages.edit.mutate({ id: m.id, body: "hijack" }))).toMatchObject({
      appCode: "FORBIDDEN",
    });
    expect(await failure(carol.client.messages.edit.mutate({ id: m.id, body: "hijack" }))).toMatchObject({
      appCode: "NOT_FOUND",
    });
    // Past 15 minutes: refused.
    await server.deps.db
      .updateTable("messages")
      .set({ createdAt: new Date(Date.now() - 16 * 60_000) })
      .where("id", "=", m.id)
      .execute();
    expect(await failure(alice.client.messages.edit.mutate({ id: m.id, body: "late" }))).toMatchObject({
      appCode: "FORBIDDEN",
    });
  });

  it("deletes for me (only my history) or for everyone (a tombstone for both)", async () => {
    const m1 = await send(alice, bob, "typo message");
    const m2 = await send(alice, bob, "wrong person");
    await bob.client.messages.delete.mutate({ id: m1.id });
    expect((await bob.client.messages.history.query({ userId: alice.userId })).items.map((m) => m.id)).not.toContain(
      m1.id,
    );
    expect((await alice.client.messages.history.query({ userId: bob.userId })).items.map((m) => m.id)).toContain(m1.id);
    expect(await failure(bob.client.messages.delete.mutate({ id: m2.id, forEveryone: true }))).toMatchObject({
      appCode: "FORBIDDEN",
    });
    await alice.client.messages.delete.mutate({ id: m2.id, forEveryone: true });
    const seen = (await bob.client.messages.history.query({ userId: alice.userId })).items.find((m) => m.id === m2.id);
    expect(seen).toMatchObject({ deleted: true, body: "", attachments: [], reactions: [] });
    expect(await failure(carol.client.messages.delete.mutate({ id: m1.id }))).toMatchObject({ appCode: "NOT_FOUND" });
  });

  it("one reaction per user per emoji; only participants", async () => {
    const m = await send(bob, alice, "Order shipped");
    await alice.client.messages.react.mutate({ messageId: m.id, emoji: "👍" });
    await alice.client.messages.react.mutate({ messageId: m.id, emoji: "👍" });
    const both = await bob.client.messages.react.mutate({ messageId: m.id, emoji: "👍" });
    expect(both.reactions).toEqual([{ emoji: "👍", userIds: [alice.userId, bob.userId] }]);
    const after = await alice.client.messages.unreact.mutate({ messageId: m.id, emoji: "👍" });
    expect(after.reactions).toEqual([{ emoji: "👍", userIds: [bob.userId] }]);
    expect(await failure(carol.client.messages.react.mutate({ messageId: m.id, emoji: "👍" }))).toMatchObject({
      appCode: "NOT_FOUND",
    });
    expect(await failure(alice.client.messages.react.mutate({ messageId: m.id, emoji: "lol" }))).toMatchObject({
      fields: ["emoji"],
    });
  });

  it("reactions are single emoji in one form each, and a message takes a bounded number of kinds", async () => {
    const m = await send(bob, alice, "New press arrived");
    // Emoji glued together, or a symbol that is not one, are refused; keycaps, flags and skin tones are emoji.
    for (const junk of ["👍\u200d👍\u200d👍", "©\u200d©", "ab", "👍👍"])
      expect(await failure(alice.client.messages.react.mutate({ messageId: m.id, emoji: junk }))).toMatchObject({
        fields: ["emoji"],
      });
    for (const emoji of ["1\ufe0f\u20e3", "🇸🇦", "👋🏽", "👨\u200d🔧", "🏳\u200d⚧"])
      await alice.client.messages.react.mutate({ messageId: m.id, emoji });
    // With or without the emoji-presentation selector, one reaction.
    await alice.client.messages.react.mutate({ messageId: m.id, emoji: "❤" });
    await bob.client.messages.react.mutate({ messageId: m.id, emoji: "❤\ufe0f" });
    await bob.client.messages.react.mutate({ messageId: m.id, emoji: "👍\ufe0f" });
    const shown = await alice.client.messages.react.mutate({ messageId: m.id, emoji: "👍" });
    expect(shown.reactions.find((r) => r.emoji === "❤\ufe0f")?.userIds).toEqual([alice.userId, bob.userId]);
    expect(shown.reactions.find((r) => r.emoji === "👍")?.userIds).toEqual([bob.userId, alice.userId]);
    expect(shown.reactions).toHaveLength(7);

    const full = await send(bob, alice, "React away");
    const kinds = [
      ..."😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩🤔🤨😐😑😶🙄😏😣😥😮🤐😯😪😫🥱😴😌😛😜😝🤤😒😓😔😕🙃🤑😲🙁",
    ];
    expect(kinds).toHaveLength(50);
    await Promise.all(kinds.map((emoji) => alice.client.messages.react.mutate({ messageId: full.id, emoji })));
    expect(await failure(bob.client.messages.react.mutate({ messageId: full.id, emoji: "😖" }))).toMatchObject({
      fields: ["emoji"],
    });
    // One already there can still be added by the other.
    expect((await bob.client.messages.react.mutate({ messageId: full.id, emoji: "😀" })).reactions).toHaveLength(50);

    // Sixty new kinds at once from both: never more than the limit.
    const race = await send(bob, alice, "Race to react");
    const sixty = [...kinds, ..."🐶🐱🐭🐹🐰🦊🐻🐼🐨🐯"];
    const outcomes = await Promise.allSettled(
      sixty.map((emoji, i) => (i % 2 ? alice : bob).client.messages.react.mutate({ messageId: race.id, emoji })),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(50);
    const [seen] = (await alice.client.messages.history.query({ userId: bob.userId, limit: 1 })).items;
    expect(seen?.reactions).toHaveLength(50);
  });
});

describe("blocking", () => {
  it("a block can't be detected by the blocked sender; the blocker is told; history stays", async () => {
    const erin = await signUpAdmin(server);
    const frank = await signUpAdmin(server);
    const m = await send(frank, erin, "before the block");
    await erin.client.contacts.block.mutate({ userId: frank.userId });
    const blocked = await failure(send(frank, erin, "after"));
    const unknown = await failure(
      frank.client.messages.send.mutate({ recipientId: crypto.randomUUID(), body: "x", clientMessageId: clientId() }),
    );
    expect(blocked).toMatchObject({ appCode: "NOT_FOUND" });
    expect(blocked.message).toBe(unknown.message);
    expect(await failure(send(erin, frank, "hi"))).toMatchObject({
      appCode: "FORBIDDEN",
      message: expect.stringMatching(/blocked/),
    });
    expect((await frank.client.messages.history.query({ userId: erin.userId })).items.map((x) => x.id)).toEqual([m.id]);
    // Edits and reactions reach the other participant too: refused the same way, and nothing changes.
    expect(
      await failure(frank.client.messages.edit.mutate({ id: m.id, body: "edited after the block" })),
    ).toMatchObject({
      appCode: "NOT_FOUND",
      message: unknown.message,
    });
    expect(await failure(frank.client.messages.react.mutate({ messageId: m.id, emoji: "❤️" }))).toMatchObject({
      appCode: "NOT_FOUND",
    });
    expect(await failure(erin.client.messages.react.mutate({ messageId: m.id, emoji: "👍" }))).toMatchObject({
      appCode: "FORBIDDEN",
    });
    expect((await erin.client.messages.history.query({ userId: frank.userId })).items).toMatchObject([
      { id: m.id, body: "before the block", reactions: [] },
    ]);
    // Taking one's own words back stays possible.
    await frank.client.messages.delete.mutate({ id: m.id, forEveryone: true });
    expect((await erin.client.contacts.listBlocked.query({})).items.map((b) => b.id)).toEqual([frank.userId]);
    await erin.client.contacts.unblock.mutate({ userId: frank.userId });
    await send(frank, erin, "after the unblock");
  });
  it("receipts stamped across a block show on no read either, both ways: history, status, list, replay, REST", async () => {
    const gil = await signUpAdmin(server);
    const hal = await signUpAdmin(server);
    const early = await send(gil, hal, "early");
    await hal.client.messages.markRead.mutate({ userId: gil.userId, upToMessageId: early.id });
    const gilStream = watch(gil.client);
    await waitFor(async () => (await server.deps.presence.anyPresent("user", [gil.userId]))[0]);
    const fromHal = await send(hal, gil, "from hal");
    await waitFor(async () => (await hal.client.messages.statusHistory.query({ messageId: fromHal.id })).length === 2);
    const lastId = gilStream.lastId();
    gilStream.unsubscribe();
    const m = await send(gil, hal, "after");

    await hal.client.contacts.block.mutate({ userId: gil.userId });
    await hal.client.messages.markRead.mutate({ userId: gil.userId, upToMessageId: m.id });
    await gil.client.messages.markRead.mutate({ userId: hal.userId, upToMessageId: fromHal.id });

    // Gil (blocked) sees his message to Hal as not yet received, wherever he reads it; receipts from
    // before the block stay as he saw them.
    const unseen = { status: "sent", deliveredAt: null, readAt: null };
    const history = await gil.client.messages.history.query({ userId: hal.userId });
    expect(history.items.map((x) => [x.id, x.status])).toEqual([
      [m.id, "sent"],
      [fromHal.id, "read"],
      [early.id, "read"],
    ]);
    expect(history.items[0]).toMatchObject(unseen);
    expect(await gil.client.messages.statusHistory.query({ messageId: m.id })).toEqual([
      { status: "sent", at: m.createdAt },
    ]);
    expect((await gil.client.messages.listConversations.query({})).items[0]?.lastMessage).toMatchObject({
      id: m.id,
      ...unseen,
    });
    expect(await send(gil, hal, "after", { clientMessageId: m.clientMessageId })).toMatchObject(unseen);
    const rest = await fetch(`${server.url}/api/v1/messages/${hal.userId}`, {
      headers: { authorization: `Bearer ${gil.token}` },
    });
    expect(((await rest.json()) as { items: { id: string; status: string }[] }).items[0]).toMatchObject({
      id: m.id,
      ...unseen,
    });
    const resumed = watch(gil.client, lastId);
    await waitFor(() => resumed.of("message.new").some((e) => e.message.id === m.id));
    expect(resumed.of("message.new").find((e) => e.message.id === m.id)?.message).toMatchObject(unseen);
    await gil.client.messages.delete.mutate({ id: m.id, forEveryone: true });
    await waitFor(() => resumed.of("message.updated").some((e) => e.message.id === m.id));
    expect(resumed.of("message.updated").find((e) => e.message.id === m.id)?.message).toMatchObject(unseen);

    // Hal (the blocker) does not see Gil read his message after the block either.
    expect((await hal.client.messages.statusHistory.query({ messageId: fromHal.id })).map((s) => s.status)).toEqual([
      "sent",
      "delivered",
    ]);
    const halHistory = await hal.client.messages.history.query({ userId: gil.userId });
    expect(halHistory.items.find((x) => x.id === fromHal.id)).toMatchObject({ status: "delivered", readAt: null });
  });

  it("the blocked person reads the blocker's profile as if the blocker only hid their presence", async () => {
    const erin = await signUpAdmin(server, { firstName: "Erin", lastName: "Blockwell" });
    const frank = await addMember(server, erin);
    await send(frank, erin, "hi");
    watch(erin.client);
    await online(frank, erin);
    const view = async () => ({
      profile: await frank.client.users.get.query({ id: erin.userId }),
      colleague: (await frank.client.organizations.members.query({})).items.find((p) => p.id === erin.userId),
      found: (await frank.client.users.search.query({ q: "Blockwell" })).items.find((p) => p.id === erin.userId),
      presence: await frank.client.presence.get.query({ userIds: [erin.userId] }),
      peer: (await frank.client.messages.listConversations.query({})).items[0]?.peer,
    });
    expect((await view()).colleague?.lastActiveAt).toEqual(expect.any(Date));
    await erin.client.presence.update.mutate({ hidden: true });
    const hidden = await view();
    expect(hidden.presence).toEqual([{ userId: erin.userId, status: "offline", lastSeenAt: null }]);
    await erin.client.presence.update.mutate({ hidden: false });
    await online(frank, erin);
    await erin.client.contacts.block.mutate({ userId: frank.userId });
    expect(await view()).toEqual(hidden);
    // Sending is refused (the one sign of a block, as for someone who can't receive messages).
    expect(await failure(send(frank, erin, "hello?"))).toMatchObject({ appCode: "NOT_FOUND" });
  });
});

describe("contacts and people search", () => {
  it("adds, lists by name, searches, removes; never by email across organizations", async () => {
    await alice.client.contacts.add.mutate({ userId: bob.userId });
    await alice.client.contacts.add.mutate({ userId: bob.userId });
    await alice.client.contacts.add.mutate({ userId: mallory.userId });
    const list = await alice.client.contacts.list.query({});
    expect(list.items.map((c) => c.id)).toEqual([bob.userId, mallory.userId]);
    expect(list.items[0]).toMatchObject({
      firstName: "Bob",
      presence: { userId: bob.userId },
      addedAt: expect.any(Date),
    });
    expect((await alice.client.contacts.list.query({ q: "mallo" })).items.map((c) => c.id)).toEqual([mallory.userId]);
    const page1 = await alice.client.contacts.list.query({ limit: 1 });
    const page2 = await alice.client.contacts.list.query({ limit: 1, cursor: page1.nextCursor });
    expect([...page1.items, ...page2.items].map((c) => c.id)).toEqual([bob.userId, mallory.userId]);
    expect(page2.nextCursor).toBeNull();
    await alice.client.contacts.remove.mutate({ userId: mallory.userId });
    expect((await alice.client.contacts.list.query({})).items.map((c) => c.id)).toEqual([bob.userId]);
    expect(await failure(alice.client.contacts.add.mutate({ userId: alice.userId }))).toMatchObject({
      fields: ["userId"],
    });
    expect(await failure(alice.client.contacts.add.mutate({ userId: crypto.randomUUID() }))).toMatchObject({
      appCode: "NOT_FOUND",
    });

    const found = await mallory.client.users.search.query({ q: "brandt" });
    expect(found.items.map((p) => p.id)).toContain(bob.userId);
    expect(JSON.stringify(found)).not.toContain(bob.email);
    expect((await mallory.client.users.search.query({ q: bob.email.slice(0, 12) })).items).toEqual([]);
  });

  it("people search pages through everyone once, a person matching by title and organization too", async () => {
    const admin = await signUpAdmin(server, { lastName: "Aardvark", organization: { name: "Quillwort Pumps" } });
    const colleague = await addMember(server, admin);
    // The admin matches "quillwort" twice over: by their title and by their organization's name.
    await server.deps.db
      .updateTable("users")
      .set({ title: "Quillwort fitter" })
      .where("id", "=", admin.userId)
      .execute();
    const page1 = await mallory.client.users.search.query({ q: "quillwort", limit: 1 });
    expect(page1.items.map((p) => p.id)).toEqual([admin.userId]);
    const page2 = await mallory.client.users.search.query({ q: "quillwort", limit: 1, cursor: page1.nextCursor });
    expect(page2.items.map((p) => p.id)).toEqual([colleague.userId]);
    expect(page2.nextCursor).toBeNull();
  });

  it("API keys can't read or send messages", async () => {
    const { key } = await alice.client.apiKeys.create.mutate({ name: "bot", role: "admin" });
    const viaKey = server.client({ token: key });
    expect(await failure(viaKey.messages.listConversations.query({}))).toMatchObject({ appCode: "FORBIDDEN" });
    expect(await failure(viaKey.messages.history.query({ userId: bob.userId }))).toMatchObject({
      appCode: "FORBIDDEN",
    });
  });
});

describe("me.onEvents", () => {
  it("a message sent on node A reaches the recipient on node B, is delivered, and the sender sees it", async () => {
    const gina = await signUpAdmin(server);
    const hank = await signUpAdmin(server);
    const onB = watch(nodeB.client({ token: hank.token }));
    const senderWatch = watch(gina.client);
    await streaming(gina, hank);
    const m = await send(gina, hank, "Valve 3 is leaking");
    await waitFor(() => onB.of("message.new").some((e) => e.message.id === m.id));
    // The stream confirmed delivery: the sender is told.
    await waitFor(() =>
      senderWatch.of("message.status").some((e) => e.status === "delivered" && e.messageIds.includes(m.id)),
    );
    expect((await gina.client.messages.statusHistory.query({ messageId: m.id })).map((s) => s.status)).toEqual([
      "sent",
      "delivered",
    ]);
    // Typing reaches the peer; reads reach the sender.
    await gina.client.messages.setTyping.mutate({ userId: hank.userId });
    await waitFor(() => onB.of("typing").some((e) => e.userId === gina.userId && e.active));
    await hank.client.messages.markRead.mutate({ userId: gina.userId, upToMessageId: m.id });
    await waitFor(() => senderWatch.of("message.status").some((e) => e.status === "read" && e.upToMessageId === m.id));
    // The reader's other devices clear their badge.
    await waitFor(() =>
      onB.of("conversation.read").some((e) => e.peerId === gina.userId && e.upToMessageId === m.id && e.unread === 0),
    );
  });

  it("changes to a message you deleted for yourself no longer reach your stream", async () => {
    const kim = await signUpAdmin(server);
    const lee = await signUpAdmin(server);
    const m = await send(kim, lee, "Shift swap?");
    await lee.client.messages.delete.mutate({ id: m.id });
    const leeWatch = watch(lee.client);
    const kimWatch = watch(kim.client);
    await streaming(kim, lee);
    await kim.client.messages.edit.mutate({ id: m.id, body: "Shift swap on Friday?" });
    await kim.client.messages.react.mutate({ messageId: m.id, emoji: "🙏" });
    await waitFor(() => kimWatch.of("message.updated").filter((e) => e.message.id === m.id).length === 2);
    const marker = await send(kim, lee, "marker");
    await waitFor(() => leeWatch.of("message.new").some((e) => e.message.id === marker.id));
    expect(leeWatch.of("message.updated").filter((e) => e.message.id === m.id)).toEqual([]);
  });

  it("no receipt crosses a block: it would tell when the other is active", async () => {
    const gil = await signUpAdmin(server);
    const hal = await signUpAdmin(server);
    const gilWatch = watch(gil.client);
    const halWatch = watch(hal.client);
    await streaming(gil, hal);
    const before = await send(gil, hal, "before");
    await hal.client.messages.markRead.mutate({ userId: gil.userId, upToMessageId: before.id });
    await waitFor(() => gilWatch.of("message.status").some((e) => e.status === "read"));

    const fromHal = await send(hal, gil, "a last word");
    await hal.client.contacts.block.mutate({ userId: gil.userId });
    const seenByGil = gilWatch.of("message.status").length;
    const seenByHal = halWatch.of("message.status").length;
    await gil.client.messages.markRead.mutate({ userId: hal.userId, upToMessageId: fromHal.id });
    await gil.client.messages.markDelivered.mutate({ messageIds: [fromHal.id] });
    await new Promise((r) => setTimeout(r, 300));
    expect(halWatch.of("message.status").slice(seenByHal)).toEqual([]);
    expect(gilWatch.of("message.status").slice(seenByGil)).toEqual([]);
  });

  it("a hidden presence shows through no delivered receipt: delivered comes with read, or when shown again", async () => {
    const kim = await signUpAdmin(server);
    const lee = await signUpAdmin(server);
    await send(kim, lee, "hello");
    await lee.client.presence.update.mutate({ hidden: true });
    const kimWatch = watch(kim.client);
    const leeWatch = watch(lee.client);
    await waitFor(async () => (await server.deps.presence.anyPresent("user", [lee.userId]))[0]);
    const m1 = await send(kim, lee, "are you there?");
    await waitFor(() => leeWatch.of("message.new").some((e) => e.message.id === m1.id));
    // Lee's client confirming it by hand changes nothing either.
    expect((await lee.client.messages.markDelivered.mutate({ messageIds: [m1.id] })).updated).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await kim.client.messages.statusHistory.query({ messageId: m1.id })).toEqual([
      { status: "sent", at: m1.createdAt },
    ]);
    expect(kimWatch.of("message.status")).toEqual([]);

    // Shown again while connected: what reached Lee meanwhile is delivered now.
    await lee.client.presence.update.mutate({ hidden: false });
    await waitFor(() =>
      kimWatch.of("message.status").some((e) => e.status === "delivered" && e.messageIds.includes(m1.id)),
    );
    expect((await kim.client.messages.statusHistory.query({ messageId: m1.id })).map((s) => s.status)).toEqual([
      "sent",
      "delivered",
    ]);

    // Hidden again: reading is what stamps delivered, at the same time.
    await lee.client.presence.update.mutate({ hidden: true });
    const m2 = await send(kim, lee, "call me");
    await waitFor(() => leeWatch.of("message.new").some((e) => e.message.id === m2.id));
    await new Promise((r) => setTimeout(r, 300));
    expect((await kim.client.messages.history.query({ userId: lee.userId, limit: 1 })).items[0]?.status).toBe("sent");
    await lee.client.messages.markRead.mutate({ userId: kim.userId, upToMessageId: m2.id });
    const [, delivered, read] = await kim.client.messages.statusHistory.query({ messageId: m2.id });
    expect(delivered?.status).toBe("delivered");
    expect(delivered?.at).toEqual(read?.at);
  });

  it("a client that reconnects with its last event id gets every missed event exactly once", async () => {
    const ivy = await signUpAdmin(server);
    const jon = await signUpAdmin(server);
    const first = watch(jon.client);
    await streaming(ivy, jon);
    const m0 = await send(ivy, jon, "m0");
    await waitFor(() => first.of("message.new").some((e) => e.message.id === m0.id));
    const lastId = first.lastId();
    first.unsubscribe();
    const missed = [await send(ivy, jon, "m1"), await send(ivy, jon, "m2"), await send(ivy, jon, "m3")];
    const resumed = watch(nodeB.client({ token: jon.token }), lastId);
    await waitFor(() => resumed.of("message.new").length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(resumed.of("message.new").map((e) => e.message.id)).toEqual(missed.map((m) => m.id));
    expect(resumed.of("message.new").map((e) => e.message.id)).not.toContain(m0.id);
  });

  it("a resumed stream brings back no text its sender took back: messages as they are now", async () => {
    const ivy = await signUpAdmin(server);
    const jon = await signUpAdmin(server);
    const first = watch(jon.client);
    await streaming(ivy, jon);
    const lastId = first.lastId();
    first.unsubscribe();
    const edited = await send(ivy, jon, "the door code is 4711");
    await ivy.client.messages.edit.mutate({ id: edited.id, body: "ask me for the code" });
    const taken = await send(ivy, jon, "wrong person, ignore");
    await ivy.client.messages.delete.mutate({ id: taken.id, forEveryone: true });
    const resumed = watch(jon.client, lastId);
    await waitFor(() => resumed.of("message.updated").some((e) => e.message.id === taken.id));
    const replayed = JSON.stringify(resumed.events);
    expect(replayed).not.toContain("4711");
    expect(replayed).not.toContain("wrong person");
    expect(resumed.of("message.new").map((e) => [e.message.body, e.message.deleted])).toEqual([
      ["ask me for the code", false],
      ["", true],
    ]);
  });

  it("presence: online while connected on any node, offline with last seen within seconds after", async () => {
    const kim = await signUpAdmin(server);
    const lee = await signUpAdmin(server);
    await send(kim, lee, "hi Lee");
    const kimWatch = watch(kim.client);
    const leeOnB = watch(nodeB.client({ token: lee.token }));
    await online(kim, lee);
    await waitFor(() =>
      kimWatch.of("presence").some((e) => e.presence.userId === lee.userId && e.presence.status === "online"),
    );
    leeOnB.unsubscribe();
    await waitFor(
      () => kimWatch.of("presence").some((e) => e.presence.userId === lee.userId && e.presence.status === "offline"),
      8_000,
    );
    const [p] = await kim.client.presence.get.query({ userIds: [lee.userId] });
    expect(p).toMatchObject({ status: "offline", lastSeenAt: expect.any(Date) });
    // Someone with no conversation and not in lee's contacts sees nothing.
    expect((await mallory.client.presence.get.query({ userIds: [lee.userId] }))[0]).toEqual({
      userId: lee.userId,
      status: "offline",
      lastSeenAt: null,
    });
    // Away and hidden.
    const leeAgain = watch(lee.client);
    await online(kim, lee);
    await lee.client.presence.update.mutate({ away: true });
    expect((await kim.client.presence.get.query({ userIds: [lee.userId] }))[0]?.status).toBe("away");
    await lee.client.presence.update.mutate({ hidden: true });
    expect((await kim.client.presence.get.query({ userIds: [lee.userId] }))[0]).toMatchObject({
      status: "offline",
      lastSeenAt: null,
    });
    // What lee did while hidden stays hidden once they show themselves again: the last seen before it.
    const seenBefore = p?.lastSeenAt;
    leeAgain.unsubscribe();
    await waitFor(async () => (await server.deps.presence.anyPresent("user", [lee.userId]))[0] === false, 8_000);
    await new Promise((r) => setTimeout(r, 1_200)); // past the coalescing interval: the leave is written
    await lee.client.presence.update.mutate({ hidden: false, away: false });
    expect((await kim.client.presence.get.query({ userIds: [lee.userId] }))[0]?.lastSeenAt).toEqual(seenBefore);
  });

  it("a third person's stream never carries someone else's conversation", async () => {
    const third = watch(carol.client);
    const m = await send(alice, bob, "private pricing");
    await bob.client.messages.react.mutate({ messageId: m.id, emoji: "👍" });
    await new Promise((r) => setTimeout(r, 500));
    expect(JSON.stringify(third.events)).not.toContain("private pricing");
    expect(JSON.stringify(third.events)).not.toContain(m.id);
  });

  it("signing out ends the open stream at once; nothing more reaches that socket", async () => {
    const nora = await signUpAdmin(server);
    const tab = await signIn(server, nora.email);
    const w = watch(tab.client);
    await streaming(alice, nora);
    await send(alice, nora, "before sign-out");
    await waitFor(() => w.of("message.new").some((e) => e.message.body === "before sign-out"));
    await tab.client.auth.signOut.mutate();
    await waitFor(() => w.stopped || w.error);
    await send(alice, nora, "after sign-out");
    await new Promise((r) => setTimeout(r, 300));
    expect(w.of("message.new").map((e) => e.message.body)).not.toContain("after sign-out");
  });

  it("a flapping connection floods nobody: presence changes are coalesced", async () => {
    const olga = await signUpAdmin(server);
    const pete = await signUpAdmin(server);
    await send(olga, pete, "hello");
    const observer = watch(pete.client);
    await online(olga, pete);
    for (let i = 0; i < 10; i++) {
      const flap = watch(olga.client);
      await new Promise((r) => setTimeout(r, 50));
      flap.unsubscribe();
    }
    await new Promise((r) => setTimeout(r, 2_500));
    const seen = observer.of("presence").filter((e) => e.presence.userId === olga.userId);
    // Twenty joins and leaves: at most a few announcements (one per interval), ending offline.
    expect(seen.length).toBeLessThanOrEqual(5);
    expect(seen.at(-1)?.presence.status).toBe("offline");
  });
});

describe("send rate limit", () => {
  it("refuses past the burst with RATE_LIMITED and when to retry; a retried send is not counted", async () => {
    const limited = await startTestServer({ env: { MESSAGES_PER_10_SECONDS: "3" } });
    try {
      const [a, b] = await Promise.all([signUpAdmin(limited), signUpAdmin(limited)]);
      // Racing retries of one send (a flaky network) are one message and one point of the three.
      const raced = await Promise.all(
        Array.from({ length: 6 }, () => send(a, b, "1", { clientMessageId: "limit-test-1" })),
      );
      expect(new Set(raced.map((m) => m.id)).size).toBe(1);
      const first = raced[0] as { id: string };
      await send(a, b, "2");
      await send(a, b, "3");
      expect(await failure(send(a, b, "4"))).toMatchObject({
        appCode: "RATE_LIMITED",
        details: { retryAfter: expect.any(Number) },
      });
      expect((await send(a, b, "1", { clientMessageId: "limit-test-1" })).id).toBe(first.id);
    } finally {
      await limited.close();
    }
  });
});
