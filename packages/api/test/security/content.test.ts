import { png, signUpCast, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Security findings (issue 8) about content: who may download an uploaded file, and how tRPC
 * answers are cached. Sanitizer and file-name findings are tested beside their features
 * (forums/posts.test.ts › rich text, files.test.ts).
 */

let server: TestServer;
/** Acme: an admin and two plain members. */
let admin: TestUser;
let member: TestUser;
let colleague: TestUser;
/** The admin of another organization. */
let outsider: TestUser;
/** A platform moderator from a third organization. */
let moderator: TestUser;
let categoryId: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ admin, member, colleague, outsider, moderator } = await signUpCast(server));
  categoryId = (await admin.client.forums.listCategories.query())[0]?.id ?? "";
});
afterAll(() => server?.close());

async function upload(user: TestUser, body: string | Buffer = "M8: 25 Nm\n", type = "text/plain") {
  const res = await fetch(`${server.url}/files?name=${type === "text/plain" ? "notes.txt" : "pic.png"}`, {
    method: "POST",
    headers: { "content-type": type, authorization: `Bearer ${user.token}` },
    body,
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

/** How `user` fares fetching the file over both faces: the HTTP status of GET /files/:id and files.get's outcome. */
async function access(user: TestUser | null, id: string) {
  const res = await fetch(`${server.url}/files/${id}`, {
    headers: user ? { authorization: `Bearer ${user.token}` } : {},
  });
  const body = res.status === 200 ? await res.arrayBuffer() : await res.json();
  if (res.status === 404) expect(body).toMatchObject({ error: { code: "NOT_FOUND" } });
  const meta = user
    ? await user.client.files.get.query({ id }).then(
        () => "ok",
        (err: { data?: { appCode?: string } }) => err.data?.appCode,
      )
    : "-";
  return `${res.status} ${meta}`;
}

const topicWith = (user: TestUser, visibility: "platform" | "organization", attachmentIds: string[]) =>
  user.client.forums.createTopic.mutate({
    title: "Torque table for the new press",
    categoryId,
    body: "<p>See the attached table</p>",
    visibility,
    attachmentIds,
  });

describe("file downloads follow the content that holds them", () => {
  it("serves an organization-only topic's attachment to that organization only, 404 to everyone else", async () => {
    const file = await upload(member);
    await topicWith(member, "organization", [file.id]);

    expect(await access(member, file.id)).toBe("200 ok");
    expect(await access(colleague, file.id)).toBe("200 ok");
    expect(await access(admin, file.id)).toBe("200 ok");
    expect(await access(outsider, file.id)).toBe("404 NOT_FOUND");
    expect(await access(moderator, file.id)).toBe("404 NOT_FOUND");
    expect(await access(null, file.id)).toBe("401 -");
  });

  it("serves attachments of a platform topic and of its replies to everyone signed in", async () => {
    const [question, answer] = await Promise.all([upload(member), upload(outsider)]);
    const topic = await topicWith(member, "platform", [question.id]);
    await outsider.client.forums.createPost.mutate({
      topicId: topic.id,
      body: "<p>Ours is attached</p>",
      attachmentIds: [answer.id],
    });

    for (const user of [outsider, moderator, colleague]) expect(await access(user, question.id)).toBe("200 ok");
    for (const user of [member, admin, moderator]) expect(await access(user, answer.id)).toBe("200 ok");
  });

  it("keeps an unattached upload to its uploader, even within the organization", async () => {
    const file = await upload(member);
    expect(await access(member, file.id)).toBe("200 ok");
    for (const user of [colleague, admin, outsider, moderator])
      expect(await access(user, file.id)).toBe("404 NOT_FOUND");
  });

  it("hides an attachment again once its post or its topic is deleted", async () => {
    const [inReply, inTopic] = await Promise.all([upload(colleague), upload(member)]);
    const topic = await topicWith(member, "platform", [inTopic.id]);
    const reply = await colleague.client.forums.createPost.mutate({
      topicId: topic.id,
      body: "<p>Another table</p>",
      attachmentIds: [inReply.id],
    });
    expect(await access(outsider, inReply.id)).toBe("200 ok");

    await colleague.client.forums.deletePost.mutate({ postId: reply.id });
    expect(await access(outsider, inReply.id)).toBe("404 NOT_FOUND");
    expect(await access(colleague, inReply.id)).toBe("200 ok");

    await member.client.forums.deleteTopic.mutate({ id: topic.id });
    expect(await access(outsider, inTopic.id)).toBe("404 NOT_FOUND");
    expect(await access(member, inTopic.id)).toBe("200 ok");
  });

  it("serves an organization's logo and a user's avatar to everyone signed in", async () => {
    const image = png();
    const [logo, avatar] = await Promise.all([upload(admin, image, "image/png"), upload(member, image, "image/png")]);
    expect(await access(outsider, logo.id)).toBe("404 NOT_FOUND");
    expect(await access(outsider, avatar.id)).toBe("404 NOT_FOUND");

    await admin.client.organizations.setLogo.mutate({ fileId: logo.id });
    await member.client.users.updateMe.mutate({ avatarFileId: avatar.id });
    for (const user of [outsider, moderator, colleague]) {
      expect(await access(user, logo.id)).toBe("200 ok");
      expect(await access(user, avatar.id)).toBe("200 ok");
    }
  });
});

describe("tRPC responses and caches", () => {
  const call = (path: string, token?: string) =>
    fetch(`${server.url}/trpc/${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("answers Cache-Control: no-store to authenticated calls", async () => {
    const res = await call("auth.me", member.token);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const batch = await call("auth.me,system.info?batch=1&input={}", member.token);
    expect(batch.status).toBe(200);
    expect(batch.headers.get("cache-control")).toBe("no-store");
  });

  it("answers no-store to public calls and errors too: tRPC answers are not for shared caches", async () => {
    for (const res of [await call("system.info"), await call("auth.me"), await call("auth.me", "not-a-token")]) {
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
  });
});
