/**
 * The permission matrix of docs/permissions.md, as a table: every procedure is called by an
 * anonymous caller, a plain member, an admin of another organization and an admin of the same
 * organization, and each gets exactly what the matrix says. Row-level rules (own records, other
 * org's ids) are covered in each domain's own tests; this file guards the builders.
 */
import type { P2PClient } from "@p2p/client";
import {
  addMember,
  failure,
  signUpAdmin,
  startTestServer,
  type TestServer,
  type TestUser,
  uniqueEmail,
} from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Outcome = "ok" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND";
type Callers = [anonymous: Outcome, member: Outcome, otherOrgAdmin: Outcome, sameOrgAdmin: Outcome];

let server: TestServer;
let admin: TestUser;
let member: TestUser;
let outsider: TestUser;
const ids = { member: "", invitation: "", apiKey: "", file: "", orgTopic: "" };

beforeAll(async () => {
  server = await startTestServer();
  admin = await signUpAdmin(server);
  member = await addMember(server, admin);
  outsider = await signUpAdmin(server);
  ids.member = member.userId;
  ids.invitation = (await admin.client.invitations.create.mutate({ email: uniqueEmail("pending"), role: "member" })).id;
  ids.apiKey = (await admin.client.apiKeys.create.mutate({ name: "matrix", role: "member" })).id;
  const upload = await fetch(`${server.url}/files?name=notes.txt`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin.token}`, "content-type": "text/plain" },
    body: "meeting notes",
  });
  ids.file = ((await upload.json()) as { id: string }).id;
  const [category] = await admin.client.forums.listCategories.query();
  ids.orgTopic = (
    await admin.client.forums.createTopic.mutate({
      title: "Internal: shift handover checklist",
      categoryId: category?.id as string,
      body: "<p>For our plant only</p>",
      visibility: "organization",
      // The file follows the topic holding it (an unattached file is its uploader's alone).
      attachmentIds: [ids.file],
    })
  ).id;
});
afterAll(async () => server?.close());

const matrix: [string, (c: P2PClient) => Promise<unknown>, Callers][] = [
  ["system.info", (c) => c.system.info.query(), ["ok", "ok", "ok", "ok"]],
  ["auth.me", (c) => c.auth.me.query(), ["UNAUTHORIZED", "ok", "ok", "ok"]],
  ["auth.sessions.list", (c) => c.auth.sessions.list.query(), ["UNAUTHORIZED", "ok", "ok", "ok"]],
  ["organizations.current", (c) => c.organizations.current.query(), ["UNAUTHORIZED", "ok", "ok", "ok"]],
  ["organizations.stats", (c) => c.organizations.stats.query(), ["UNAUTHORIZED", "ok", "ok", "ok"]],
  ["organizations.directory", (c) => c.organizations.directory.query({}), ["UNAUTHORIZED", "ok", "ok", "ok"]],
  [
    "organizations.update",
    (c) => c.organizations.update.mutate({ city: "Jeddah" }),
    ["UNAUTHORIZED", "FORBIDDEN", "ok", "ok"],
  ],
  ["users.me", (c) => c.users.me.query(), ["UNAUTHORIZED", "ok", "ok", "ok"]],
  ["users.get", (c) => c.users.get.query({ id: ids.member }), ["UNAUTHORIZED", "ok", "ok", "ok"]],
  ["users.list", (c) => c.users.list.query({}), ["UNAUTHORIZED", "FORBIDDEN", "ok", "ok"]],
  [
    "users.update",
    (c) => c.users.update.mutate({ id: ids.member, role: "member" }),
    ["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "ok"],
  ],
  [
    "users.reactivate",
    (c) => c.users.reactivate.mutate({ id: ids.member }),
    ["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "ok"],
  ],
  ["invitations.list", (c) => c.invitations.list.query(), ["UNAUTHORIZED", "FORBIDDEN", "ok", "ok"]],
  [
    "invitations.create",
    (c) => c.invitations.create.mutate({ email: uniqueEmail("invitee"), role: "member" }),
    ["UNAUTHORIZED", "FORBIDDEN", "ok", "ok"],
  ],
  [
    "invitations.revoke",
    (c) => c.invitations.revoke.mutate({ id: ids.invitation }),
    ["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "ok"],
  ],
  ["apiKeys.list", (c) => c.apiKeys.list.query(), ["UNAUTHORIZED", "FORBIDDEN", "ok", "ok"]],
  [
    "apiKeys.create",
    (c) => c.apiKeys.create.mutate({ name: "ci", role: "member" }),
    ["UNAUTHORIZED", "FORBIDDEN", "ok", "ok"],
  ],
  [
    "apiKeys.revoke",
    (c) => c.apiKeys.revoke.mutate({ id: ids.apiKey }),
    ["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "ok"],
  ],
  ["audit.list", (c) => c.audit.list.query({}), ["UNAUTHORIZED", "FORBIDDEN", "ok", "ok"]],
  [
    "files.get (attached to an organization-visible topic)",
    (c) => c.files.get.query({ id: ids.file }),
    ["UNAUTHORIZED", "ok", "NOT_FOUND", "ok"],
  ],
  ["forums.listCategories", (c) => c.forums.listCategories.query(), ["UNAUTHORIZED", "ok", "ok", "ok"]],
  [
    "forums.getTopic (organization-visible)",
    (c) => c.forums.getTopic.query({ id: ids.orgTopic }),
    ["UNAUTHORIZED", "ok", "NOT_FOUND", "ok"],
  ],
  [
    "forums.pinTopic (organization-visible)",
    (c) => c.forums.pinTopic.mutate({ id: ids.orgTopic, pinned: true }),
    ["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "ok"],
  ],
];

describe("permission matrix", () => {
  it.each(matrix)("%s", async (_name, call, expected) => {
    const callers = [server.client(), member.client, outsider.client, admin.client];
    const outcomes: Outcome[] = [];
    // In order, so the same-org admin's state-changing call (e.g. a revoke) comes last.
    for (const client of callers) {
      outcomes.push(
        await call(client).then(
          () => "ok" as const,
          async (err) => (await failure(Promise.reject(err))).code as Outcome,
        ),
      );
    }
    expect(outcomes).toEqual(expected);
  });
});
