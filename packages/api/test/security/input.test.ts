import { countRows, failure, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Control characters never reach the stores: a 400 naming the field, and nothing written. */
let server: TestServer;
let admin: TestUser;
let categoryId: string;

beforeAll(async () => {
  // A job worker: signUpAdmin's sign-up link is mailed by a job.
  server = await startTestServer();
  admin = await signUpAdmin(server);
  categoryId = (await admin.client.forums.listCategories.query())[0]?.id ?? "";
});
afterAll(() => server?.close());

const fieldsOf = async (call: Promise<unknown>) => {
  const { appCode, fields } = await failure(call);
  return { appCode, fields: [...new Set(fields)] };
};
const refused = (...fields: string[]) => ({ appCode: "BAD_REQUEST", fields });
/** An organization-only topic titled `title`, by the admin. */
const topicTitled = (title: string) =>
  admin.client.forums.createTopic.mutate({ title, categoryId, body: "<p>Body</p>", visibility: "organization" });

describe("control characters", () => {
  it.each(["\u0000", "\u0007", "\u001b[31m", "\u007f", "\u0085"])(
    "are refused in single-line text (%j)",
    async (bad) => {
      const topics = await countRows(server, "forumTopics");
      expect(await fieldsOf(admin.client.forums.search.query({ q: `pump${bad}` }))).toEqual(refused("q"));
      expect(await fieldsOf(admin.client.users.updateMe.mutate({ firstName: `Ada${bad}` }))).toEqual(
        refused("firstName"),
      );
      expect(await fieldsOf(admin.client.organizations.update.mutate({ city: `Dammam${bad}` }))).toEqual(
        refused("city"),
      );
      expect(await fieldsOf(topicTitled(`Valve ${bad} chatter`))).toEqual(refused("title"));
      expect(await countRows(server, "forumTopics")).toBe(topics);
      expect((await admin.client.users.me.query()).firstName).toBe(admin.session.user.firstName);
    },
  );

  it("are refused in multi-line text, except tabs and newlines", async () => {
    const call = (body: string) =>
      admin.client.forums.createTopic.mutate({
        title: "Line stops at shift change",
        categoryId,
        body,
        visibility: "organization",
      });
    expect(await fieldsOf(call("<p>a\u0000b</p>"))).toEqual(refused("body"));
    expect(await fieldsOf(admin.client.users.updateMe.mutate({ bio: "Plant\u0000manager" }))).toEqual(refused("bio"));
    const topic = await call("<p>first line</p>\n\t<p>second line</p>\r\n");
    expect(topic.title).toBe("Line stops at shift change");
    expect((await admin.client.users.updateMe.mutate({ bio: "Plant manager\nDammam\tshift A" })).bio).toBe(
      "Plant manager\nDammam\tshift A",
    );
  });
});

describe("invisible and reordering characters", () => {
  it.each(["\u200b\u200b\u200b\u200b\u200b\u200b", "\u2060", "\ufeff \u200b\u00a0"])(
    "a name or title of only invisible characters counts as empty (%j)",
    async (blank) => {
      const topics = await countRows(server, "forumTopics");
      expect(await fieldsOf(admin.client.users.updateMe.mutate({ firstName: blank }))).toEqual(refused("firstName"));
      expect(await fieldsOf(admin.client.organizations.update.mutate({ name: blank }))).toEqual(refused("name"));
      expect(await fieldsOf(admin.client.tasks.create.mutate({ title: blank }))).toEqual(refused("title"));
      expect(await fieldsOf(topicTitled(blank))).toEqual(refused("title"));
      expect(await countRows(server, "forumTopics")).toBe(topics);
      expect((await admin.client.users.me.query()).firstName).toBe(admin.session.user.firstName);
    },
  );

  it("a subdivision flag, direction marks and Arabic number signs at the edges are text and stay", async () => {
    for (const title of [
      "Go team 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
      "السعر 100$\u200F",
      "\u0600١٢٣ ريال",
    ])
      expect((await admin.client.tasks.create.mutate({ title })).title).toBe(title);
    for (const blank of ["\uFE0F", "\u3164", "\u2800", "\u034F", "\u200F"])
      expect(await fieldsOf(admin.client.tasks.create.mutate({ title: blank }))).toEqual(refused("title"));
  });

  it("invisible characters around a name are dropped, inside it kept (Arabic joiners)", async () => {
    const me = await admin.client.users.updateMe.mutate({ lastName: "\u200bمی\u200cخواهم\u2060" });
    expect(me.lastName).toBe("می\u200cخواهم");
    await admin.client.users.updateMe.mutate({ lastName: admin.session.user.lastName });
  });

  it.each(["\u202e", "\u202b", "\u2066", "\u2069", "\u2028"])(
    "a direction override, isolate or line separator inside one-line text is refused (%j)",
    async (bad) => {
      expect(await fieldsOf(admin.client.users.updateMe.mutate({ lastName: `Khalid ${bad}brah-lA` }))).toEqual(
        refused("lastName"),
      );
      expect(await fieldsOf(topicTitled(`Valve ${bad}chatter`))).toEqual(refused("title"));
      expect((await admin.client.users.me.query()).lastName).toBe(admin.session.user.lastName);
    },
  );

  it("direction overrides are refused in multi-line text; a right-to-left mark is not", async () => {
    expect(await fieldsOf(admin.client.users.updateMe.mutate({ bio: "Plant \u202emanager" }))).toEqual(refused("bio"));
    expect((await admin.client.users.updateMe.mutate({ bio: "مدير\u200f المصنع" })).bio).toBe("مدير\u200f المصنع");
  });
});
