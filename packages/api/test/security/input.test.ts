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
  return { appCode, fields };
};
const refused = (...fields: string[]) => ({ appCode: "BAD_REQUEST", fields });

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
      expect(
        await fieldsOf(
          admin.client.forums.createTopic.mutate({
            title: `Valve ${bad} chatter`,
            categoryId,
            body: "<p>Body</p>",
            visibility: "organization",
          }),
        ),
      ).toEqual(refused("title"));
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
