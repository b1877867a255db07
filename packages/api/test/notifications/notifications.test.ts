import type { MyEvent, Notification } from "@p2p/schemas";
import {
  addMember,
  failure,
  makeModerator,
  signUpAdmin,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Jobs } from "../../src/infra/jobs/jobs";
import { planNotifications, storeNotifications } from "../../src/modules/notifications/create";
import {
  deliverCommitted,
  localMinutes,
  notificationJobs,
  quietDelayMs,
  sendDigests,
} from "../../src/modules/notifications/delivery";
import { digestCandidates } from "../../src/modules/notifications/repo";
import { waitFor } from "../helpers";

let server: TestServer;
/** A second node of the same deployment; a direct message sent through it reminds only after 1.5 s. */
let nodeB: TestServer;
let admin: TestUser; // org A
let member: TestUser; // org A
let other: TestUser; // org B
let categoryId: string;
let seq = 0;
const cleanups: (() => void)[] = [];

const topicBy = (user: TestUser, title: string, visibility: "platform" | "organization" = "platform", body = "") =>
  user.client.forums.createTopic.mutate({ title, categoryId, visibility, body: `<p>${title} ${body}</p>` });
const reply = (user: TestUser, topicId: string, body: string, parentId?: string) =>
  user.client.forums.createPost.mutate({ topicId, body: `<p>${body}</p>`, parentId });
const mention = (user: TestUser) => `<span data-mention="${user.userId}">@someone</span>`;

/** The user's notifications once `count` of them (of this type) are there: delivery runs in a job. */
async function notificationsOf(user: TestUser, count: number, type?: Notification["type"]) {
  return waitFor(async () => {
    const { items } = await user.client.notifications.list.query({ type });
    return items.length >= count && items;
  });
}

/** Mail to `user` whose subject matches, from the development outbox. */
const mailTo = (user: TestUser, subject: RegExp) =>
  server.deps.mail.outbox(user.email, 50).then((all) => all.filter((m) => subject.test(m.subject)));

beforeAll(async () => {
  server = await startTestServer({ env: { MESSAGES_NOTIFY_AFTER_MS: "300" } });
  nodeB = await startTestServer({ stores: server.stores, env: { MESSAGES_NOTIFY_AFTER_MS: "1500" } });
  admin = await signUpAdmin(server, { firstName: "Amal", lastName: "Admin" });
  member = await addMember(server, admin);
  other = await signUpAdmin(server, { firstName: "Omar", lastName: "Other" });
  categoryId = ((await admin.client.forums.listCategories.query())[0] as { id: string }).id;
});
afterAll(async () => {
  for (const c of cleanups) c();
  await nodeB?.close();
  await server?.close();
});

describe("sources", () => {
  it("a reply notifies the topic's author (never the actor), rendered with the topic's current title", async () => {
    const topic = await topicBy(admin, "Compressor oil carry-over");
    await reply(member, topic.id, "Check the separator element");
    await reply(admin, topic.id, "Thanks, will do"); // the author replying in their own topic: nothing for them
    const [n] = await notificationsOf(admin, 1, "forum.reply");
    expect(n).toMatchObject({
      type: "forum.reply",
      actor: { id: member.userId },
      text: expect.stringContaining("replied in “Compressor oil carry-over”"),
      target: { kind: "post", topicId: topic.id, title: "Compressor oil carry-over" },
      readAt: null,
    });
    expect((await member.client.notifications.list.query({})).items.filter((x) => x.type === "forum.reply")).toEqual(
      [],
    );
    // Renamed: the notification shows the new title. Deleted: it stays, saying so, without a link.
    await admin.client.forums.updateTopic.mutate({ id: topic.id, title: "Compressor oil carry-over (solved)" });
    const [renamed] = await notificationsOf(admin, 1, "forum.reply");
    expect(renamed?.target?.title).toBe("Compressor oil carry-over (solved)");
    await admin.client.forums.deleteTopic.mutate({ id: topic.id });
    const [gone] = await notificationsOf(admin, 1, "forum.reply");
    expect(gone).toMatchObject({
      id: n?.id,
      target: null,
      text: expect.stringContaining("something that was deleted"),
    });
  });

  it("a reply that also mentions the one it answers makes one notification for them: the mention", async () => {
    const topic = await topicBy(admin, `Mentioned in a reply ${++seq}`);
    await reply(member, topic.id, `Agreed, ${mention(admin)}`);
    await waitFor(async () =>
      (await notificationsOf(admin, 1, "forum.mention")).some((n) => n.target?.topicId === topic.id),
    );
    await new Promise((r) => setTimeout(r, 300));
    const types = (await admin.client.notifications.list.query({})).items
      .filter((n) => n.target?.topicId === topic.id)
      .map((n) => n.type);
    expect(types).toEqual(["forum.mention"]);
  });

  it("mentions reach only people who can see the topic", async () => {
    const topic = await topicBy(
      member,
      `Internal shift plan ${++seq}`,
      "organization",
      `${mention(admin)} ${mention(other)}`,
    );
    await notificationsOf(admin, 1, "forum.mention");
    const platform = await topicBy(member, `Open question ${++seq}`, "platform", mention(other));
    const [seen] = await notificationsOf(other, 1, "forum.mention");
    expect(seen?.target).toMatchObject({ topicId: platform.id });
    const all = (await other.client.notifications.list.query({})).items;
    expect(all.some((x) => x.target?.topicId === topic.id)).toBe(false);
  });

  it("best answer and moderation notify the author; nothing for one's own actions", async () => {
    const topic = await topicBy(other, `Which PLC for a small line ${++seq}`);
    const answer = await reply(member, topic.id, "A compact S7-1200 does it");
    await other.client.forums.markBestAnswer.mutate({ topicId: topic.id, postId: answer.id });
    const [best] = await notificationsOf(member, 1, "forum.bestAnswer");
    expect(best?.text).toContain("chose your answer as the best");

    const moderator = await signUpAdmin(server);
    await makeModerator(server, moderator);
    await moderator.client.forums.pinTopic.mutate({ id: topic.id, pinned: true });
    await other.client.forums.lockTopic.mutate({ id: topic.id, locked: true }).catch(() => {});
    const [pinned] = await notificationsOf(other, 1, "forum.moderation");
    expect(pinned?.text).toMatch(/pinned your topic “Which PLC/);
    await moderator.client.forums.deleteTopic.mutate({ id: topic.id });
    const moderation = await notificationsOf(other, 2, "forum.moderation");
    // A deleted topic: the notification keeps the title it had.
    expect(moderation[0]).toMatchObject({ target: null, text: expect.stringMatching(/deleted your topic “Which PLC/) });
  });

  it("a burst of direct messages is one notification and one email; reading the conversation reads it", async () => {
    const sender = await signUpAdmin(server, { firstName: "Burst", lastName: "Sender" });
    const reader = await signUpAdmin(server);
    const dm = (body: string) =>
      sender.client.messages.send.mutate({ recipientId: reader.userId, body, clientMessageId: `n-${++seq}-abcdef` });
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => dm(`line ${i} stopped`)));
    await notificationsOf(reader, 1, "message.direct");
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await reader.client.notifications.list.query({ type: "message.direct" })).items).toHaveLength(1);
    expect(await mailTo(reader, /Burst Sender sent you a message/)).toHaveLength(1);

    // Reading the conversation reads its notification; the next message reminds again.
    const newest = burst.reduce((a, b) =>
      a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id) ? a : b,
    );
    await reader.client.messages.markRead.mutate({ userId: sender.userId, upToMessageId: newest.id });
    expect((await reader.client.notifications.unreadCount.query()).unread).toBe(0);
    await dm("one more");
    await waitFor(async () => (await reader.client.notifications.unreadCount.query()).unread === 1);
    expect((await reader.client.notifications.list.query({ type: "message.direct" })).items).toHaveLength(2);
  });

  it("a direct message its recipient deleted for themselves is not unread and reminds nobody", async () => {
    const sender = await signUpAdmin(server);
    const reader = await signUpAdmin(server);
    const dm = (body: string) =>
      sender.client.messages.send.mutate({ recipientId: reader.userId, body, clientMessageId: `n-${++seq}-abcdef` });
    const first = await dm("keep me");
    const hidden = await dm("spam I delete");
    await reader.client.messages.delete.mutate({ id: hidden.id });
    expect((await reader.client.messages.unreadCount.query()).unread).toBe(1);
    const [conversation] = (await reader.client.messages.listConversations.query({})).items;
    expect(conversation?.unreadCount).toBe(1);
    // Read up to the deleted one: everything before it is read.
    await reader.client.messages.markRead.mutate({ userId: sender.userId, upToMessageId: hidden.id });
    expect((await reader.client.messages.unreadCount.query()).unread).toBe(0);
    const seen = (await sender.client.messages.history.query({ userId: reader.userId })).items;
    expect(seen.find((m) => m.id === first.id)?.status).toBe("read");

    // Sent through the node that waits 1.5 s before reminding: the deletion lands well before it
    // however loaded the machine (with 300 ms it once lost the race under parallel test files).
    const later = await signUpAdmin(server);
    const only = await nodeB.client({ token: later.token }).messages.send.mutate({
      recipientId: reader.userId,
      body: "deleted before the reminder",
      clientMessageId: `n-${++seq}-abcdef`,
    });
    await reader.client.messages.delete.mutate({ id: only.id });
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await reader.client.notifications.list.query({ type: "message.direct" })).items).toEqual([]);
  });

  it("the recipient deleting the only unread messages for themselves reads their reminder; deleting twice is done", async () => {
    const sender = await signUpAdmin(server);
    const reader = await signUpAdmin(server);
    const sent = await sender.client.messages.send.mutate({
      recipientId: reader.userId,
      body: "wrong chat, sorry",
      clientMessageId: `n-${++seq}-abcdef`,
    });
    await notificationsOf(reader, 1, "message.direct");
    expect((await reader.client.notifications.unreadCount.query()).unread).toBe(1);
    await reader.client.messages.delete.mutate({ id: sent.id });
    expect(await reader.client.messages.delete.mutate({ id: sent.id })).toEqual({ ok: true });
    expect((await reader.client.notifications.unreadCount.query()).unread).toBe(0);
  });

  it("a message deleted for everyone takes its reminder along when nothing else is unread; the next message reminds again", async () => {
    const sender = await signUpAdmin(server, { firstName: "Regret", lastName: "Sender" });
    const reader = await signUpAdmin(server);
    const dm = (body: string) =>
      sender.client.messages.send.mutate({ recipientId: reader.userId, body, clientMessageId: `n-${++seq}-abcdef` });
    const first = await dm("sent too soon");
    await notificationsOf(reader, 1, "message.direct");
    await sender.client.messages.delete.mutate({ id: first.id, forEveryone: true });
    expect((await reader.client.notifications.unreadCount.query()).unread).toBe(0);

    await dm("the real message");
    await waitFor(async () => (await reader.client.notifications.unreadCount.query()).unread === 1);
    const [latest] = (await reader.client.notifications.list.query({ type: "message.direct", unreadOnly: true })).items;
    expect(latest?.target).toMatchObject({ kind: "conversation", id: sender.userId });
    await waitFor(async () => (await mailTo(reader, /Regret Sender sent you a message/)).length === 2);

    // Another unread message left: the reminder stays, and still leads to the conversation.
    const third = await dm("and a typo");
    await sender.client.messages.delete.mutate({ id: third.id, forEveryone: true });
    const [still] = (await reader.client.notifications.list.query({ type: "message.direct", unreadOnly: true })).items;
    expect(still?.target).toMatchObject({ kind: "conversation", id: sender.userId });
  });

  it("an accepted invitation notifies the inviter", async () => {
    const fresh = await addMember(server, other);
    const [n] = await notificationsOf(other, 1, "invitation.accepted");
    expect(n).toMatchObject({ actor: { id: fresh.userId }, target: { kind: "invitation" } });
  });

  it("a direct message becomes a notification only if unread a while later and nobody is connected", async () => {
    const sender = await signUpAdmin(server);
    const reader = await signUpAdmin(server);
    const read = await sender.client.messages.send.mutate({
      recipientId: reader.userId,
      body: "read soon",
      clientMessageId: `n-${++seq}-abcdef`,
    });
    await reader.client.messages.markRead.mutate({ userId: sender.userId, upToMessageId: read.id });
    await sender.client.messages.send.mutate({
      recipientId: reader.userId,
      body: "left unread",
      clientMessageId: `n-${++seq}-abcdef`,
    });
    const [n] = await notificationsOf(reader, 1, "message.direct");
    expect(n).toMatchObject({ actor: { id: sender.userId }, target: { kind: "conversation", id: sender.userId } });
    await new Promise((r) => setTimeout(r, 800));
    expect((await reader.client.notifications.list.query({ type: "message.direct" })).items).toHaveLength(1);

    // Connected: the personal stream shows it live, no notification.
    const online = await signUpAdmin(server);
    const sub = online.client.me.onEvents.subscribe({}, { onData: () => {} });
    cleanups.push(() => sub.unsubscribe());
    await waitFor(
      async () => (await sender.client.presence.get.query({ userIds: [online.userId] }))[0]?.status !== undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    await sender.client.messages.send.mutate({
      recipientId: online.userId,
      body: "you are here",
      clientMessageId: `n-${++seq}-abcdef`,
    });
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await online.client.notifications.list.query({})).items).toEqual([]);
  });

  it("nothing from a blocked person, and what they caused before goes", async () => {
    const topic = await topicBy(admin, `Blocked replies ${++seq}`);
    await reply(member, topic.id, "first");
    await notificationsOf(admin, 1);
    await admin.client.contacts.block.mutate({ userId: member.userId });
    await reply(member, topic.id, "second");
    await new Promise((r) => setTimeout(r, 500));
    const items = (await admin.client.notifications.list.query({ limit: 100 })).items;
    expect(items.some((n) => n.actor?.id === member.userId)).toBe(false);
    // The count agrees with what is shown.
    expect((await admin.client.notifications.unreadCount.query()).unread).toBe(items.filter((n) => !n.readAt).length);
    await admin.client.contacts.unblock.mutate({ userId: member.userId });
  });
});

describe("reading", () => {
  it("unread counts stay exact under parallel creators and readers", async () => {
    const author = await signUpAdmin(server);
    const repliers = await Promise.all([signUpAdmin(server), signUpAdmin(server), signUpAdmin(server)]);
    const topic = await topicBy(author, `Busy topic ${++seq}`);
    await Promise.all(repliers.flatMap((r) => Array.from({ length: 5 }, (_, i) => reply(r, topic.id, `reply ${i}`))));
    const first = await notificationsOf(author, 15);
    expect((await author.client.notifications.unreadCount.query()).unread).toBe(15);
    // Reads of ten race with five more replies.
    const [marked] = await Promise.all([
      author.client.notifications.markRead.mutate({ ids: first.slice(0, 10).map((n) => n.id) }),
      ...Array.from({ length: 5 }, (_, i) => reply(repliers[0] as TestUser, topic.id, `late ${i}`)),
    ]);
    expect(marked.updated).toBe(10);
    await notificationsOf(author, 20);
    expect((await author.client.notifications.unreadCount.query()).unread).toBe(10);
    expect((await author.client.notifications.list.query({ unreadOnly: true, limit: 100 })).items).toHaveLength(10);
    const all = await author.client.notifications.markAllRead.mutate({});
    expect(all).toEqual({ updated: 10, unread: 0 });
  });

  it("nobody reads or marks another person's notifications", async () => {
    const topic = await topicBy(other, `Mine alone ${++seq}`);
    await reply(member, topic.id, "for the author only");
    const ids = (await notificationsOf(other, 1)).map((n) => n.id);
    expect((await admin.client.notifications.markRead.mutate({ ids })).updated).toBe(0);
    expect((await admin.client.notifications.list.query({})).items.map((n) => n.id)).not.toContain(ids[0]);
    expect((await other.client.notifications.list.query({ unreadOnly: true })).items.map((n) => n.id)).toContain(
      ids[0],
    );
    const { key } = await admin.client.apiKeys.create.mutate({ name: "bot", role: "admin" });
    expect(await failure(server.client({ token: key }).notifications.list.query({}))).toMatchObject({
      appCode: "FORBIDDEN",
    });
  });

  it("arrives live on the personal stream with the unread count, across nodes", async () => {
    const author = await signUpAdmin(server);
    const events: MyEvent[] = [];
    const sub = nodeB.client({ token: author.token }).me.onEvents.subscribe({}, { onData: (e) => events.push(e.data) });
    cleanups.push(() => sub.unsubscribe());
    await waitFor(
      async () => (await author.client.presence.get.query({ userIds: [author.userId] }))[0]?.status === "online",
    );
    const topic = await topicBy(author, `Live bell ${++seq}`);
    await reply(member, topic.id, "ring");
    const live = await waitFor(() => events.find((e) => e.type === "notification.new"));
    expect(live).toMatchObject({ type: "notification.new", unread: 1, notification: { type: "forum.reply" } });
    await author.client.notifications.markAllRead.mutate({});
    await waitFor(() => events.some((e) => e.type === "notification.count" && e.unread === 0));
  });
  it("one reply's readers in several organizations each hear live only their own, as they may see it", async () => {
    const writer = await signUpAdmin(server); // a third organization
    const readers = [admin, member, other];
    const heard = new Map<string, MyEvent[]>(readers.map((r) => [r.userId, []]));
    for (const r of readers) {
      const sub = server
        .client({ token: r.token })
        .me.onEvents.subscribe({}, { onData: (e) => heard.get(r.userId)?.push(e.data) });
      cleanups.push(() => sub.unsubscribe());
    }
    for (const r of readers) {
      await waitFor(async () => (await r.client.presence.get.query({ userIds: [r.userId] }))[0]?.status === "online");
    }
    const topic = await topicBy(writer, `Shared question ${++seq}`);
    const post = await reply(
      writer,
      topic.id,
      `${mention(admin)} ${mention(member)} ${mention(other)} what do you see?`,
    );
    for (const r of readers) {
      const live = await waitFor(() => {
        const mine = heard
          .get(r.userId)
          ?.filter((e) => e.type === "notification.new" && e.notification.target?.id === post.id);
        return mine?.length ? mine : undefined;
      });
      const [event] = live;
      expect(live, r.email).toHaveLength(1);
      expect(event).toMatchObject({
        notification: { type: "forum.mention", actor: { id: writer.userId }, target: { topicId: topic.id } },
      });
      // Its own notification: the one in the reader's list.
      const mine = (await r.client.notifications.list.query({ type: "forum.mention" })).items.map((n) => n.id);
      expect(mine).toContain(event?.type === "notification.new" ? event.notification.id : "");
    }
  });

  it("a notification whose delivery failed stays undelivered, and the sweeper delivers it", async () => {
    const author = await signUpAdmin(server);
    const topic = await topicBy(author, `Lost bell ${++seq}`);
    // A mention (emailed at once by default), stored as a reply stores it.
    const data = { topicId: topic.id, postId: topic.posts.items[0]?.id };
    const planned = await planNotifications(server.deps, server.deps.db, [
      { userId: author.userId, type: "forum.mention", actorId: member.userId, subjectId: topic.id, data },
    ]);
    await storeNotifications(server.deps.db, planned);
    const id = planned[0]?.id as string;
    const deliveredAt = async () =>
      (await server.deps.db.selectFrom("notifications").select("deliveredAt").where("id", "=", id).executeTakeFirst())
        ?.deliveredAt;

    // Its email cannot be queued: the node's jobs connection to Redis is gone.
    const { redis } = server.deps.config;
    const lostJobs = new Jobs({ redisUrl: redis.url, prefix: redis.prefix, logger: server.deps.logger });
    await waitFor(() => lostJobs.connected());
    await lostJobs.close();
    await deliverCommitted({ ...server.deps, jobs: lostJobs }, planned);
    expect(await deliveredAt()).toBeNull();

    // The sweeper takes what stayed undelivered for 10 s.
    await sql`update notifications set created_at = now() - interval '1 minute' where id = ${id}`.execute(
      server.deps.db,
    );
    await notificationJobs.find((j) => j.name === "notifications.sweep")?.run(server.deps, {});
    expect(await deliveredAt()).toBeInstanceOf(Date);
    expect(await waitFor(() => mailTo(author, /mentioned you/).then((mail) => mail.length > 0 && mail))).toHaveLength(
      1,
    );
  });
});

describe("preferences and email", () => {
  it("defaults, changes, and what they do: in-app off, email immediately with a one-click unsubscribe", async () => {
    const author = await signUpAdmin(server);
    const prefs = await author.client.notifications.preferences.get.query();
    expect(prefs.types.find((t) => t.type === "forum.mention")).toMatchObject({ inApp: true, email: "immediately" });
    expect(prefs).toMatchObject({ quietHours: null, timezone: expect.any(String) });

    await author.client.notifications.preferences.update.mutate({
      types: [{ type: "forum.reply", inApp: false, email: "immediately" }],
    });
    const topic = await topicBy(author, `Email me ${++seq}`);
    await reply(member, topic.id, "an answer by email");
    const [mail] = await waitFor(async () => {
      const found = await mailTo(author, /replied in/);
      return found.length > 0 && found;
    });
    expect((await author.client.notifications.list.query({})).items).toEqual([]); // in-app off
    expect(mail?.headers?.["List-Unsubscribe"]).toMatch(/^<http.*\/notifications\/unsubscribe\?token=.+>$/);
    expect(mail?.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    const link = mail?.text.match(/(http\S+\/notifications\/unsubscribe\?token=\S+)/)?.[1] as string;

    // The link works without signing in, changes only that type's email, and says so.
    const res = await fetch(link.replace(/^https?:\/\/[^/]+/, server.url));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("You will no longer get emails for: Replies to your posts");
    const after = await author.client.notifications.preferences.get.query();
    expect(after.types.find((t) => t.type === "forum.reply")).toMatchObject({ inApp: false, email: "off" });
    expect(after.types.find((t) => t.type === "forum.mention")).toMatchObject({ email: "immediately" });
    const forged = await fetch(`${server.url}/notifications/unsubscribe?token=${author.userId}.forum.mention.AAAA`);
    expect(forged.status).toBe(400);
    expect(
      (
        await author.client.notifications.unsubscribe.mutate({
          token: new URL(link).searchParams.get("token") as string,
        })
      ).email,
    ).toBe("off");

    // Email off and in-app off: nothing at all.
    await reply(member, topic.id, "silence");
    await new Promise((r) => setTimeout(r, 500));
    expect(await mailTo(author, /replied in/)).toHaveLength(1);
  });

  it("two changes to one type in one update both apply, in order", async () => {
    const user = await signUpAdmin(server);
    const prefs = await user.client.notifications.preferences.update.mutate({
      types: [
        { type: "message.direct", email: "daily" },
        { type: "message.direct", inApp: false },
      ],
    });
    expect(prefs.types.find((t) => t.type === "message.direct")).toMatchObject({ inApp: false, email: "daily" });
  });

  it("a preference changed through one node holds at once for what another node notifies", async () => {
    const author = await signUpAdmin(server);
    const topic = await topicBy(author, `Preferences on every node ${++seq}`);
    const replier = nodeB.client({ token: member.token });
    await replier.forums.createPost.mutate({ topicId: topic.id, body: "<p>first</p>" }); // node B now has them
    await notificationsOf(author, 1, "forum.reply");

    await author.client.notifications.preferences.update.mutate({
      types: [{ type: "forum.reply", inApp: false, email: "off" }],
    });
    await replier.forums.createPost.mutate({ topicId: topic.id, body: "<p>second</p>" });
    await new Promise((r) => setTimeout(r, 500));
    expect((await author.client.notifications.list.query({ type: "forum.reply" })).items).toHaveLength(1);
  });

  it("quiet hours hold email back until they end", async () => {
    const author = await signUpAdmin(server);
    const now = localMinutes(new Date(), "Asia/Riyadh");
    const fmt = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    await author.client.users.updateMe.mutate({ timezone: "Asia/Riyadh" });
    await author.client.notifications.preferences.update.mutate({
      quietHours: { start: fmt((now + 1440 - 10) % 1440), end: fmt((now + 60) % 1440) },
      types: [{ type: "forum.mention", email: "immediately" }],
    });
    await topicBy(member, `Quiet please ${++seq}`, "organization", mention(author));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await mailTo(author, /mentioned you/)).toHaveLength(0);
    // The arithmetic: inside the window, the wait runs to its end.
    const at = new Date("2026-11-29T20:30:00Z"); // 23:30 in Riyadh
    expect(quietDelayMs(at, "Asia/Riyadh", { quietStart: 22 * 60, quietEnd: 7 * 60 })).toBe(7.5 * 3600_000);
    expect(quietDelayMs(at, "Asia/Riyadh", { quietStart: 8 * 60, quietEnd: 17 * 60 })).toBe(0);
  });

  it("daily digests group unread items once a day, after the digest hour", async () => {
    const author = await signUpAdmin(server);
    await author.client.users.updateMe.mutate({ timezone: "Asia/Riyadh" });
    const topic = await topicBy(author, `Digest me ${++seq}`); // replies default to the daily digest
    await reply(member, topic.id, "one");
    await reply(other, topic.id, "two");
    await notificationsOf(author, 2);
    const morning = new Date("2026-12-01T06:00:00Z"); // 09:00 in Riyadh
    expect(await sendDigests(server.deps, new Date("2026-12-01T03:00:00Z"))).toBe(0); // 06:00 there: too early
    await sendDigests(server.deps, morning);
    const [digest] = await mailTo(author, /daily summary/);
    expect(digest?.subject).toBe("Your daily summary: 2 unread notifications");
    expect(digest?.text).toContain("Digest me");
    expect(digest?.text).toMatch(/Replies to your posts: http\S+unsubscribe/);
    // Once a day: nothing new the same day.
    await reply(member, topic.id, "three");
    await notificationsOf(author, 3);
    await sendDigests(server.deps, new Date(morning.getTime() + 3600_000));
    expect(await mailTo(author, /daily summary/)).toHaveLength(1);
  });

  it("digests reach everyone due in one run, once, and only for the types each gets daily", async () => {
    // Two authors in two organizations (one rendering each), one who turned reply emails off, and
    // the second also getting mentions (sent at once by default) daily.
    const [first, second, quiet] = await Promise.all([signUpAdmin(server), signUpAdmin(server), signUpAdmin(server)]);
    await quiet.client.notifications.preferences.update.mutate({ types: [{ type: "forum.reply", email: "off" }] });
    await second.client.notifications.preferences.update.mutate({ types: [{ type: "forum.mention", email: "daily" }] });
    const run = ++seq;
    const topics = await Promise.all(
      [first, second, quiet].map((author, i) => topicBy(author, `Digest run ${run} ${i}`)),
    );
    await Promise.all(topics.map((topic) => reply(other, topic.id, "a reply")));
    await topicBy(other, `Digest mention ${run}`, "platform", mention(second));
    await Promise.all([notificationsOf(first, 1), notificationsOf(second, 2), notificationsOf(quiet, 1)]);
    // Email off: settled as it is delivered, so it never waits for a digest.
    const [quietRow] = await server.deps.db
      .selectFrom("notifications")
      .select("emailedAt")
      .where("userId", "=", quiet.userId)
      .execute();
    expect(quietRow?.emailedAt).toBeInstanceOf(Date);
    const morning = new Date("2026-12-02T10:00:00Z"); // after the digest hour in UTC, their time zone
    // The candidates, a page at a time in id order: all of them, and never the one with email off.
    const declared = server.deps.notificationKinds.map((k) => k.type);
    const dailyByDefault = server.deps.notificationKinds.filter((k) => k.defaults.email === "daily").map((k) => k.type);
    const ours = new Set([first.userId, second.userId, quiet.userId]);
    const page = async (after: string | null, limit: number) =>
      digestCandidates(server.deps.db, { declared, dailyByDefault, digestedBefore: morning, after, limit });
    const all = await page(null, 10_000);
    expect(all.filter((id) => ours.has(id)).sort()).toEqual([first.userId, second.userId].sort());
    const paged: string[] = [];
    for (let next = await page(null, 2); next.length; next = await page(next.at(-1) as string, 2)) paged.push(...next);
    expect(paged.filter((id) => ours.has(id))).toEqual(all.filter((id) => ours.has(id)));
    // Two runs at once (a slow round overlapping the next, another node): one digest each.
    await Promise.all([sendDigests(server.deps, morning), sendDigests(server.deps, morning)]);
    const toFirst = await mailTo(first, /daily summary/);
    const toSecond = await mailTo(second, /daily summary/);
    expect([toFirst.length, toSecond.length]).toEqual([1, 1]);
    expect(toFirst[0]?.text).toContain(`Digest run ${run} 0`);
    expect(toFirst[0]?.text).not.toContain(`Digest run ${run} 1`);
    expect(toSecond[0]?.subject).toBe("Your daily summary: 2 unread notifications");
    expect(toSecond[0]?.text).toContain(`Digest run ${run} 1`);
    expect(toSecond[0]?.text).toContain("mentioned you");
    expect(await mailTo(second, /mentioned you/)).toHaveLength(0); // not at once: daily, as chosen
    // Email off: no digest, then or the next day; the ones sent have nothing new the next day.
    await sendDigests(server.deps, new Date(morning.getTime() + 86_400_000));
    expect(await mailTo(quiet, /daily summary/)).toHaveLength(0);
    expect(await mailTo(first, /daily summary/)).toHaveLength(1);
  });

  it("refuses bad preferences with the field", async () => {
    expect(
      await failure(
        admin.client.notifications.preferences.update.mutate({ quietHours: { start: "25:00", end: "07:00" } }),
      ),
    ).toMatchObject({
      fields: ["quietHours.start"],
    });
    expect(
      await failure(
        admin.client.notifications.preferences.update.mutate({
          types: [{ type: "nope" as "forum.reply", email: "off" }],
        }),
      ),
    ).toMatchObject({ fields: ["types.0.type"] });
  });
});

describe("retention", () => {
  it("prunes read notifications older than 90 days, keeps the rest", async () => {
    const author = await signUpAdmin(server);
    const topic = await topicBy(author, `Old news ${++seq}`);
    await reply(member, topic.id, "old");
    await reply(member, topic.id, "recent");
    const [recent, old] = await notificationsOf(author, 2);
    await author.client.notifications.markRead.mutate({ ids: [old?.id as string, recent?.id as string] });
    await server.deps.db
      .updateTable("notifications")
      .set({ readAt: new Date(Date.now() - 91 * 86_400_000) })
      .where("id", "=", old?.id as string)
      .execute();
    await notificationJobs.find((j) => j.name === "notifications.prune")?.run(server.deps, {});
    const left = (await author.client.notifications.list.query({})).items.map((n) => n.id);
    expect(left).toEqual([recent?.id]);
  });
});
