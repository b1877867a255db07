import { type RunningServer, startServer } from "@p2p/api";
import type { AppRouter, P2PClient, RouterOutputs } from "@p2p/client";
import type { TopicEvent } from "@p2p/schemas";
import { addMember, failure, signIn, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers";

type Category = RouterOutputs["forums"]["listCategories"][number];
type EventOf<T extends TopicEvent["type"]> = Extract<TopicEvent, { type: T }>;

let server: TestServer;
let nodeB: TestServer;
let admin: TestUser;
let member: TestUser;
let member2: TestUser;
let outsider: TestUser;
let category: Category;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

/**
 * One live subscription to a topic and everything it received. The tRPC client drops whatever
 * arrives after a subscription ended, so assert on `events` while it is live, or on how it ended.
 */
interface Watch {
  events: { id: string; data: TopicEvent }[];
  error: unknown;
  /** The server said "stopped": it ended the subscription (not an error, not our unsubscribe). */
  stopped: boolean;
  /** The client's observable completed. */
  completed: boolean;
  of<T extends TopicEvent["type"]>(type: T): EventOf<T>[];
  /** Resolves once the subscriber's own presence came back: its listener is attached. */
  ready(userId: string): Promise<void>;
  unsubscribe(): void;
}

function watch(client: P2PClient, topicId: string): Watch {
  const w: Watch = {
    events: [],
    error: undefined,
    stopped: false,
    completed: false,
    of: <T extends TopicEvent["type"]>(type: T) =>
      w.events.map((e) => e.data).filter((d): d is EventOf<T> => d.type === type),
    ready: async (userId) => {
      await waitFor(() => w.of("presence").some((p) => p.viewers.some((v) => v.id === userId)) || w.error);
      if (w.error) throw w.error;
    },
    unsubscribe: () => sub.unsubscribe(),
  };
  const sub = client.forums.onTopic.subscribe(
    { topicId },
    {
      onData: (e) => w.events.push(e),
      onError: (err) => {
        w.error = err;
      },
      onStopped: () => {
        w.stopped = true;
      },
      onComplete: () => {
        w.completed = true;
      },
    },
  );
  cleanups.push(() => sub.unsubscribe());
  return w;
}

const createTopic = (user: TestUser, title: string, visibility: "platform" | "organization" = "platform") =>
  user.client.forums.createTopic.mutate({
    title,
    body: `<p>${title}, what do you think?</p>`,
    categoryId: category.id,
    visibility,
  });

const reply = (user: TestUser | P2PClient, topicId: string, body: string, parentId?: string) =>
  ("client" in user ? user.client : user).forums.createPost.mutate({ topicId, body: `<p>${body}</p>`, parentId });

const viewerIds = (e: EventOf<"presence"> | undefined) => (e?.viewers.map((v) => v.id) ?? []).sort();

beforeAll(async () => {
  server = await startTestServer();
  nodeB = await startTestServer({ stores: server.stores });
  admin = await signUpAdmin(server, { firstName: "Hala", lastName: "Admin" });
  member = await addMember(server, admin);
  member2 = await addMember(server, admin);
  outsider = await signUpAdmin(server);
  category = (await admin.client.forums.listCategories.query())[0] as Category;
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await nodeB?.close();
  await server?.close();
});

describe("forums.onTopic", () => {
  it("delivers other people's new posts, nested replies, edits and deletions as they happen", async () => {
    const topic = await createTopic(admin, "Chiller trips on high pressure");
    const w = watch(admin.client, topic.id);
    await w.ready(admin.userId);

    const post = await reply(member, topic.id, "Clean the <b>condenser</b> coils");
    const nested = await reply(member2, topic.id, "Seconded", post.id);
    await waitFor(() => w.of("post.created").length === 2);
    const [first, second] = w.of("post.created");
    expect(first?.post).toMatchObject({
      id: post.id,
      topicId: topic.id,
      parentId: null,
      depth: 0,
      bodyHtml: "<p>Clean the <b>condenser</b> coils</p>",
      author: { id: member.userId, organization: { id: admin.organizationId } },
      likeCount: 0,
      likedByMe: false,
      deleted: false,
    });
    expect(second?.post).toMatchObject({ id: nested.id, parentId: post.id, depth: 1, author: { id: member2.userId } });

    await member.client.forums.updatePost.mutate({ id: post.id, body: "<p>Clean the condenser coils monthly</p>" });
    await waitFor(() => w.of("post.updated").length === 1);
    expect(w.of("post.updated")[0]?.post).toMatchObject({
      id: post.id,
      bodyHtml: "<p>Clean the condenser coils monthly</p>",
      editedAt: expect.any(Date),
    });

    await member2.client.forums.deletePost.mutate({ postId: nested.id });
    await waitFor(() => w.of("post.deleted").length === 1);
    expect(w.of("post.deleted")).toEqual([{ type: "post.deleted", postId: nested.id }]);

    // Every stored event has its own, increasing id (the resume cursor).
    const tracked = w.events.filter((e) => e.data.type !== "presence" && e.data.type !== "typing").map((e) => e.id);
    expect(tracked).toHaveLength(4);
    expect(new Set(tracked).size).toBe(4);
    expect(tracked).toEqual(
      [...tracked].sort((a, b) => {
        const [am, as] = a.split("-").map(Number) as [number, number];
        const [bm, bs] = b.split("-").map(Number) as [number, number];
        return am - bm || as - bs;
      }),
    );
    w.unsubscribe();
  });

  it("delivers likes with their count, best-answer changes and topic changes", async () => {
    const topic = await createTopic(admin, "Best VFD brand for conveyors?");
    const w = watch(member.client, topic.id);
    await w.ready(member.userId);
    const answer = await reply(member2, topic.id, "We run ABB drives");

    await admin.client.forums.likePost.mutate({ postId: answer.id });
    await member.client.forums.likePost.mutate({ postId: answer.id });
    await member.client.forums.likePost.mutate({ postId: answer.id }); // no change: no event
    await member.client.forums.unlikePost.mutate({ postId: answer.id });
    await admin.client.forums.markBestAnswer.mutate({ topicId: topic.id, postId: answer.id });
    await admin.client.forums.markBestAnswer.mutate({ topicId: topic.id, postId: null });
    await admin.client.forums.updateTopic.mutate({ id: topic.id, title: "Best VFD brand for belt conveyors?" });

    await waitFor(() => w.of("topic.updated").length === 1);
    expect(w.of("post.liked")).toEqual([
      { type: "post.liked", postId: answer.id, likeCount: 1 },
      { type: "post.liked", postId: answer.id, likeCount: 2 },
      { type: "post.liked", postId: answer.id, likeCount: 1 },
    ]);
    expect(w.of("bestAnswer.changed")).toEqual([
      { type: "bestAnswer.changed", postId: answer.id },
      { type: "bestAnswer.changed", postId: null },
    ]);
    expect(w.of("topic.updated")).toEqual([
      { type: "topic.updated", title: "Best VFD brand for belt conveyors?", locked: false, pinned: false },
    ]);

    await admin.client.forums.deleteTopic.mutate({ id: topic.id });
    await waitFor(() => w.of("topic.deleted").length === 1);
    // Nothing more can come: the server ends the subscription.
    await waitFor(() => w.stopped || w.completed);
    expect(w.error).toBeUndefined();
  });

  it("tells viewers when a topic is locked, unlocked or pinned", async () => {
    // An org admin moderates their organization's own topics.
    const topic = await createTopic(member, "Night shift handover checklist", "organization");
    const w = watch(member.client, topic.id);
    await w.ready(member.userId);

    await admin.client.forums.lockTopic.mutate({ id: topic.id, locked: true });
    await waitFor(() => w.of("topic.updated").length === 1);
    expect(w.of("topic.updated")[0]).toEqual({
      type: "topic.updated",
      title: "Night shift handover checklist",
      locked: true,
      pinned: false,
    });
    expect((await failure(reply(member, topic.id, "too late"))).code).toBe("FORBIDDEN");

    await admin.client.forums.lockTopic.mutate({ id: topic.id, locked: false });
    await admin.client.forums.pinTopic.mutate({ id: topic.id, pinned: true });
    await waitFor(() => w.of("topic.updated").length === 3);
    expect(w.of("topic.updated").map(({ locked, pinned }) => ({ locked, pinned }))).toEqual([
      { locked: true, pinned: false },
      { locked: false, pinned: false },
      { locked: false, pinned: true },
    ]);
    expect(w.of("post.created")).toEqual([]);
    w.unsubscribe();
  });

  it("pinned and locked at the same moment: the last word each viewer gets is both", async () => {
    const topic = await createTopic(member, "Forklift charging bay rules", "organization");
    const w = watch(member.client, topic.id);
    await w.ready(member.userId);
    const [pinned, locked] = await Promise.all([
      admin.client.forums.pinTopic.mutate({ id: topic.id, pinned: true }),
      admin.client.forums.lockTopic.mutate({ id: topic.id, locked: true }),
    ]);
    // Whichever committed second answers with both, and so does its event, which comes last.
    expect([pinned, locked].some((t) => t.pinned && t.locked)).toBe(true);
    await waitFor(() => w.of("topic.updated").length === 2);
    expect(w.of("topic.updated").at(-1)).toMatchObject({ pinned: true, locked: true });
    w.unsubscribe();
  });

  it("shows typing once per few seconds, and ends it when the typist posts", async () => {
    const topic = await createTopic(admin, "Boiler feedwater treatment");
    const w = watch(admin.client, topic.id);
    await w.ready(admin.userId);
    const typingOf = (userId: string) => w.of("typing").filter((t) => t.user.id === userId);

    await member.client.forums.setTyping.mutate({ topicId: topic.id });
    await member.client.forums.setTyping.mutate({ topicId: topic.id }); // within 3 s: throttled
    await waitFor(() => typingOf(member.userId).length === 1);
    expect(typingOf(member.userId)[0]).toEqual({
      type: "typing",
      user: { id: member.userId, firstName: "Max", lastName: "Member" },
      active: true,
    });

    const post = await reply(member, topic.id, "Check the conductivity daily");
    await waitFor(() => w.of("post.created").length === 1 && typingOf(member.userId).length === 2);
    // Anything the throttled call had sent would have arrived before the post's events.
    expect(typingOf(member.userId).map((t) => t.active)).toEqual([true, false]);
    expect(w.of("post.created")[0]?.post.id).toBe(post.id);

    // Posting resets the throttle: typing again shows at once.
    await member.client.forums.setTyping.mutate({ topicId: topic.id });
    await waitFor(() => typingOf(member.userId).length === 3);
    expect(typingOf(member.userId)[2]?.active).toBe(true);

    // Someone who posts without having typed sends no "stopped typing". A like made after the
    // reply returned arrives after anything the reply sent (one ordered stream per topic).
    const second = await reply(member2, topic.id, "And the pH");
    await admin.client.forums.likePost.mutate({ postId: second.id });
    await waitFor(() => w.of("post.liked").length === 1);
    expect(w.of("post.created").map((e) => e.post.id)).toEqual([post.id, second.id]);
    expect(typingOf(member2.userId)).toEqual([]);
    w.unsubscribe();
  });

  it("lists the viewers of a topic as they come and go, with their count", async () => {
    const topic = await createTopic(admin, "Who else runs an extrusion line?");
    const w = watch(admin.client, topic.id);
    await w.ready(admin.userId);
    expect(w.of("presence").at(-1)).toMatchObject({ count: 1 });
    expect(viewerIds(w.of("presence").at(-1))).toEqual([admin.userId]);

    const m = watch(member.client, topic.id);
    await m.ready(member.userId);
    await waitFor(() => viewerIds(w.of("presence").at(-1)).length === 2);
    expect(viewerIds(w.of("presence").at(-1))).toEqual([admin.userId, member.userId].sort());
    expect(w.of("presence").at(-1)?.count).toBe(2);
    expect(
      w
        .of("presence")
        .at(-1)
        ?.viewers.find((v) => v.id === admin.userId),
    ).toEqual({
      id: admin.userId,
      firstName: "Hala",
      lastName: "Admin",
    });

    // A second tab of the same person lists them once, and gets the viewers too.
    const m2 = watch(member.client, topic.id);
    await waitFor(() => m2.of("presence").length > 0);
    expect(viewerIds(m2.of("presence").at(-1))).toEqual([admin.userId, member.userId].sort());
    expect(m2.of("presence").at(-1)?.count).toBe(2);
    // Closing one tab keeps them listed: once the server counted the tab out, the next change
    // (someone else arriving) still lists them.
    m2.unsubscribe();
    await waitFor(() => server.deps.presence.localSessions("forum.topic", topic.id) === 2);
    const other = watch(member2.client, topic.id);
    await other.ready(member2.userId);
    await waitFor(() => viewerIds(w.of("presence").at(-1)).length === 3);
    expect(viewerIds(w.of("presence").at(-1))).toEqual([admin.userId, member.userId, member2.userId].sort());

    m.unsubscribe();
    other.unsubscribe();
    await waitFor(() => viewerIds(w.of("presence").at(-1)).length === 1);
    expect(viewerIds(w.of("presence").at(-1))).toEqual([admin.userId]);
    expect(w.of("presence").at(-1)?.count).toBe(1);
    w.unsubscribe();
  });

  it("a viewer who hides their presence while viewing leaves the list at once, on every node, and comes back", async () => {
    const topic = await createTopic(admin, "Compressor room noise levels");
    const w = watch(admin.client, topic.id);
    await w.ready(admin.userId);
    // The viewer watches through node B; they change their choice through node A.
    const viewer = watch(nodeB.client({ token: member2.token }), topic.id);
    await waitFor(() => viewerIds(w.of("presence").at(-1)).includes(member2.userId));
    try {
      await member2.client.presence.update.mutate({ hidden: true });
      await waitFor(() => !viewerIds(w.of("presence").at(-1)).includes(member2.userId), 10_000);
      expect(w.of("presence").at(-1)).toMatchObject({ count: 1 });
      await member2.client.presence.update.mutate({ hidden: false });
      await waitFor(() => viewerIds(w.of("presence").at(-1)).includes(member2.userId), 10_000);
    } finally {
      await member2.client.presence.update.mutate({ hidden: false });
      viewer.unsubscribe();
      w.unsubscribe();
    }
  });

  it("neither names nor counts a viewer who hides their presence", async () => {
    const topic = await createTopic(admin, "Night shift handover notes");
    const w = watch(admin.client, topic.id);
    await w.ready(admin.userId);
    await member2.client.presence.update.mutate({ hidden: true });
    try {
      const hidden = watch(member2.client, topic.id);
      // The hidden viewer's arrival was published (they get the viewers too), without them.
      await waitFor(() => hidden.of("presence").length > 0);
      expect(viewerIds(hidden.of("presence").at(-1))).toEqual([admin.userId]);
      expect(w.of("presence").at(-1)).toMatchObject({ count: 1 });
      expect(viewerIds(w.of("presence").at(-1))).toEqual([admin.userId]);
      hidden.unsubscribe();
    } finally {
      await member2.client.presence.update.mutate({ hidden: false });
      w.unsubscribe();
    }
  });

  it("refuses a topic the caller may not see (NOT_FOUND) and sends them nothing", async () => {
    const internal = await createTopic(admin, "Internal: supplier price list", "organization");
    const insider = watch(admin.client, internal.id);
    await insider.ready(admin.userId);

    // Each refusal ends the subscription with an error before anything was streamed to it (the
    // client drops anything after that, so what it got until the error is all it ever gets).
    const w = watch(outsider.client, internal.id);
    await waitFor(() => w.error);
    expect(w.error).toBeInstanceOf(TRPCClientError);
    expect((w.error as TRPCClientError<AppRouter>).data).toMatchObject({ code: "NOT_FOUND", appCode: "NOT_FOUND" });
    expect(w.events).toEqual([]);

    const missing = watch(outsider.client, "01900000-0000-7000-8000-000000000000");
    await waitFor(() => missing.error);
    expect((missing.error as TRPCClientError<AppRouter>).data?.code).toBe("NOT_FOUND");
    expect(missing.events).toEqual([]);

    const anonymous = watch(server.client(), internal.id);
    await waitFor(() => anonymous.error);
    expect((anonymous.error as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
    expect(anonymous.events).toEqual([]);

    expect((await failure(outsider.client.forums.setTyping.mutate({ topicId: internal.id }))).code).toBe("NOT_FOUND");
    await member.client.forums.setTyping.mutate({ topicId: internal.id });
    await reply(member, internal.id, "Prices went up 4%");
    // The post comes after anything the refused subscriptions could have caused on the topic's
    // stream: the refused subscriber never showed up as a viewer.
    await waitFor(() => insider.of("post.created").length === 1);
    expect(insider.of("presence").flatMap((p) => p.viewers.map((v) => v.id))).not.toContain(outsider.userId);
  });

  it("delivers events between two server nodes", async () => {
    const topic = await createTopic(admin, "Compressed air leaks survey");
    const onA = watch(admin.client, topic.id);
    await onA.ready(admin.userId);
    const memberOnB = nodeB.client({ token: member.token });
    const onB = watch(memberOnB, topic.id);
    await onB.ready(member.userId);
    // Node B's viewer reached node A: presence crosses nodes.
    await waitFor(() => viewerIds(onA.of("presence").at(-1)).length === 2);

    const fromB = await reply(memberOnB, topic.id, "Posted through node B");
    await waitFor(() => onA.of("post.created").length === 1);
    expect(onA.of("post.created")[0]?.post.id).toBe(fromB.id);

    await admin.client.forums.setTyping.mutate({ topicId: topic.id });
    const fromA = await reply(admin, topic.id, "Posted through node A");
    await admin.client.forums.likePost.mutate({ postId: fromB.id });
    await waitFor(() => onB.of("post.liked").length === 1);
    expect(onB.of("post.created").map((e) => e.post.id)).toEqual([fromB.id, fromA.id]);
    expect(onB.of("post.liked")).toEqual([{ type: "post.liked", postId: fromB.id, likeCount: 1 }]);
    expect(
      onB
        .of("typing")
        .filter((t) => t.user.id === admin.userId)
        .map((t) => t.active),
    ).toEqual([true, false]);
    // Both nodes saw the same events under the same ids.
    const ids = (w: Watch) => w.events.filter((e) => e.data.type.startsWith("post.")).map((e) => e.id);
    await waitFor(() => onA.of("post.liked").length === 1);
    expect(ids(onA)).toEqual(ids(onB));
    onA.unsubscribe();
    onB.unsubscribe();
  });

  it("resumes after its node restarts, without losing or repeating an event", async () => {
    const topic = await createTopic(admin, "Weld spatter on galvanized sheet");
    const nodeR = await startTestServer({ stores: server.stores });
    let restarted: RunningServer | undefined;
    try {
      const w = watch(nodeR.client({ token: admin.token }), topic.id);
      await w.ready(admin.userId);
      const posted: string[] = [];
      const post = async (n: number) => posted.push((await reply(member, topic.id, `reply ${n}`)).id);

      await post(1);
      await waitFor(() => w.of("post.created").length === 1);

      // The subscriber's node goes away (clients are told to reconnect); posts keep coming via node A.
      const port = nodeR.running.port;
      await nodeR.running.close(500);
      for (const n of [2, 3, 4]) await post(n);
      await admin.client.forums.likePost.mutate({ postId: posted[2] as string });

      // It comes back on the same port; the client resubscribes from its last event id.
      restarted = await startServer(nodeR.deps, { port, host: "127.0.0.1" });
      await waitFor(() => w.of("post.liked").length === 1, 10_000);
      await post(5);
      // Post 5 is published after the resubscription replayed the backlog, so it comes last: once
      // it is here, any lost, repeated or out-of-order event is already in the list.
      await waitFor(() => w.of("post.created").some((e) => e.post.id === posted[4]));

      expect(w.error).toBeUndefined();
      expect(w.of("post.created").map((e) => e.post.id)).toEqual(posted);
      expect(w.of("post.liked")).toEqual([{ type: "post.liked", postId: posted[2], likeCount: 1 }]);
      const tracked = w.events.filter((e) => e.data.type !== "presence" && e.data.type !== "typing").map((e) => e.id);
      expect(new Set(tracked).size).toBe(tracked.length);
      w.unsubscribe();
    } finally {
      await restarted?.close(500);
      await nodeR.close();
    }
  });

  it("replays each post as it is now: nothing edited away or deleted comes back on resume", async () => {
    const topic = await createTopic(admin, "Password left in a reply");
    const edited = await reply(member, topic.id, "The VPN password is hunter2");
    await member.client.forums.updatePost.mutate({ id: edited.id, body: "<p>[redacted]</p>" });
    const deleted = await reply(member2, topic.id, "Customer list: ACME, Globex");
    await member2.client.forums.deletePost.mutate({ postId: deleted.id });

    // Someone of another organization, who never saw either text, resumes from the oldest id there is.
    const events: TopicEvent[] = [];
    const sub = outsider.client.forums.onTopic.subscribe(
      { topicId: topic.id, lastEventId: "0-0" },
      { onData: (e) => events.push(e.data) },
    );
    cleanups.push(() => sub.unsubscribe());
    await waitFor(() => events.some((e) => e.type === "post.deleted" && e.postId === deleted.id));
    const replayed = JSON.stringify(events);
    expect(replayed).not.toContain("hunter2");
    expect(replayed).not.toContain("ACME");
    const posts = events.flatMap((e) => (e.type === "post.created" || e.type === "post.updated" ? [e.post] : []));
    expect(posts.filter((p) => p.id === edited.id).map((p) => p.bodyHtml)).toEqual([
      "<p>[redacted]</p>",
      "<p>[redacted]</p>",
    ]);
    expect(posts.find((p) => p.id === deleted.id)).toMatchObject({ deleted: true, bodyHtml: null });
    sub.unsubscribe();
  });

  describe("ends when the subscriber's session ends", () => {
    it("revoked from another session", async () => {
      const topic = await createTopic(admin, "Spare parts stock levels");
      const viewer = watch(admin.client, topic.id);
      await viewer.ready(admin.userId);
      const tab = await signIn(server, member.email);
      const w = watch(tab.client, topic.id);
      await w.ready(member.userId);
      await waitFor(() => viewerIds(viewer.of("presence").at(-1)).length === 2);

      const other = await signIn(server, member.email);
      await other.client.auth.sessions.revoke.mutate({ id: tab.token.split(".")[0] as string });
      // The server ends the subscription ("stopped", then complete), without an error.
      await waitFor(() => w.completed);
      expect(w.stopped).toBe(true);
      expect(w.error).toBeUndefined();
      // While live it saw the two viewers and nothing else happened on the topic.
      expect(w.events.map((e) => e.data.type).filter((type) => type !== "presence")).toEqual([]);
      expect(viewerIds(w.of("presence").at(-1))).toEqual([admin.userId, member.userId].sort());
      // The other viewer sees the revoked one leave, and the revoked token cannot subscribe again,
      // on the tab's open connection or a new one.
      await waitFor(() => viewerIds(viewer.of("presence").at(-1)).length === 1);
      expect(viewerIds(viewer.of("presence").at(-1))).toEqual([admin.userId]);
      for (const client of [tab.client, server.client({ token: tab.token })]) {
        const again = watch(client, topic.id);
        await waitFor(() => again.error);
        expect((again.error as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
        expect(again.events).toEqual([]);
      }
      viewer.unsubscribe();
    });

    it("signed out with the same token from another client", async () => {
      const topic = await createTopic(admin, "Forklift battery swaps");
      const tab = await signIn(server, member2.email);
      const w = watch(tab.client, topic.id);
      await w.ready(member2.userId);

      await server.client({ token: tab.token }).auth.signOut.mutate();
      // The server ends the subscription ("stopped", then complete), without an error; while live
      // it only saw presence (itself).
      await waitFor(() => w.completed);
      expect(w.stopped).toBe(true);
      expect(w.error).toBeUndefined();
      expect(new Set(w.events.map((e) => e.data.type))).toEqual(new Set(["presence"]));
      // The signed-out token cannot subscribe again, on the tab's open connection or a new one.
      for (const client of [tab.client, server.client({ token: tab.token })]) {
        const again = watch(client, topic.id);
        await waitFor(() => again.error);
        expect((again.error as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
        expect(again.events).toEqual([]);
      }
      // The other sessions of the same person are untouched.
      expect((await member2.client.forums.getTopic.query({ id: topic.id })).id).toBe(topic.id);
    });
  });
});
