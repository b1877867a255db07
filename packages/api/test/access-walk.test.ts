/**
 * The generated access test: it walks the router's own procedure list, so no procedure can be
 * forgotten, and calls every procedure as each of seven callers with a valid input that targets
 * organization A's objects (test/walk/world.ts). Each answer must be what the table below says, and
 * no answer to anyone outside organization A may carry A's private strings (the organization-only
 * topic, its reply and attachment, A's people's emails, a pending invitation). A procedure missing
 * from the table or from the input builders fails. docs/permissions.md must state the same matrix.
 */
import { readFileSync } from "node:fs";
import { startTestServer, type TestServer } from "@p2p/testkit";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildWorld,
  type Caller,
  destroysCaller,
  freshLike,
  inputs,
  procedureOf,
  type WalkedProcedure,
  type World,
  walkRouter,
} from "./walk/world";

/** The columns, in the order of docs/permissions.md. */
const callerNames = ["anonymous", "admin", "member", "adminKey", "memberKey", "otherAdmin", "otherMember"] as const;
type CallerName = (typeof callerNames)[number];
/** Outsiders: any answer to them is searched for organization A's private strings. */
const outsiders = new Set<CallerName>(["anonymous", "otherAdmin", "otherMember"]);
/** Calls run in this order: the owner's (possibly state-changing) call comes last. */
const callOrder: CallerName[] = ["anonymous", "otherMember", "otherAdmin", "memberKey", "adminKey", "member", "admin"];

/**
 * ✓ allowed · U UNAUTHORIZED · F FORBIDDEN · N NOT_FOUND, per column:
 * anonymous · A's admin · A's member · A's admin-role API key · A's member-role API key · B's admin · B's member.
 * A's admin wrote the organization-visible topic (and uploaded its attachment); A's member wrote the
 * reply in it; the keys were created by another admin of A, so they are the author of nothing.
 */
const expected: Record<string, string> = {
  "system.info": "✓ ✓ ✓ ✓ ✓ ✓ ✓",

  "auth.signUp": "✓ ✓ ✓ ✓ ✓ ✓ ✓",
  "auth.signUpFlat": "✓ ✓ ✓ ✓ ✓ ✓ ✓",
  "auth.completeSignUp": "✓ ✓ ✓ ✓ ✓ ✓ ✓",
  "auth.signIn": "✓ ✓ ✓ ✓ ✓ ✓ ✓",
  "auth.signOut": "U ✓ ✓ F F ✓ ✓",
  "auth.signOutEverywhere": "U ✓ ✓ F F ✓ ✓",
  "auth.onSessionEnded": "U ✓ ✓ F F ✓ ✓",
  "auth.me": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "auth.sessions.list": "U ✓ ✓ F F ✓ ✓",
  "auth.sessions.revoke": "U ✓ N F F N N",
  "auth.requestPasswordReset": "✓ ✓ ✓ ✓ ✓ ✓ ✓",
  "auth.resetPassword": "✓ ✓ ✓ ✓ ✓ ✓ ✓",
  "auth.verifyEmail": "✓ ✓ ✓ ✓ ✓ ✓ ✓",
  "auth.resendVerification": "U ✓ ✓ F F ✓ ✓",
  "auth.totp.setup": "U ✓ ✓ F F ✓ ✓",
  "auth.totp.enable": "U ✓ ✓ F F ✓ ✓",
  "auth.totp.disable": "U ✓ ✓ F F ✓ ✓",

  "forums.listCategories": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "forums.createTopic": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "forums.listTopics": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "forums.getTopic": "U ✓ ✓ ✓ ✓ N N",
  "forums.updateTopic": "U ✓ F ✓ F N N",
  "forums.deleteTopic": "U ✓ F ✓ F N N",
  "forums.pinTopic": "U ✓ F ✓ F N N",
  "forums.lockTopic": "U ✓ F ✓ F N N",
  "forums.listPosts": "U ✓ ✓ ✓ ✓ N N",
  "forums.getPost": "U ✓ ✓ ✓ ✓ N N",
  "forums.listReplies": "U ✓ ✓ ✓ ✓ N N",
  "forums.createPost": "U ✓ ✓ ✓ ✓ N N",
  "forums.updatePost": "U F ✓ F F N N",
  "forums.deletePost": "U ✓ ✓ ✓ F N N",
  "forums.likePost": "U ✓ F ✓ ✓ N N",
  "forums.unlikePost": "U ✓ ✓ ✓ ✓ N N",
  "forums.markBestAnswer": "U ✓ F F F N N",
  "forums.search": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "forums.setTyping": "U ✓ ✓ ✓ ✓ N N",
  "forums.onTopic": "U ✓ ✓ ✓ ✓ N N",

  "organizations.current": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "organizations.update": "U ✓ F ✓ F ✓ F",
  "organizations.setLogo": "U ✓ F N F N F",
  "organizations.directory": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "organizations.stats": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "organizations.members": "U ✓ ✓ ✓ ✓ ✓ ✓",

  "users.search": "U ✓ ✓ ✓ ✓ ✓ ✓",

  "messages.send": "U ✓ ✓ F F ✓ ✓",
  "messages.listConversations": "U ✓ ✓ F F ✓ ✓",
  "messages.history": "U ✓ ✓ F F ✓ ✓",
  "messages.unreadCount": "U ✓ ✓ F F ✓ ✓",
  "messages.markDelivered": "U ✓ ✓ F F ✓ ✓",
  "messages.markRead": "U ✓ ✓ F F N N",
  "messages.statusHistory": "U ✓ F F F N N",
  "messages.edit": "U ✓ F F F N N",
  "messages.delete": "U ✓ ✓ F F N N",
  "messages.react": "U ✓ ✓ F F N N",
  "messages.unreact": "U ✓ ✓ F F N N",
  "messages.setTyping": "U ✓ ✓ F F ✓ ✓",
  "me.onEvents": "U ✓ ✓ F F ✓ ✓",
  "contacts.list": "U ✓ ✓ F F ✓ ✓",
  "contacts.add": "U ✓ ✓ F F ✓ ✓",
  "contacts.remove": "U ✓ ✓ F F ✓ ✓",
  "contacts.block": "U ✓ ✓ F F ✓ ✓",
  "contacts.unblock": "U ✓ ✓ F F ✓ ✓",
  "contacts.listBlocked": "U ✓ ✓ F F ✓ ✓",
  "presence.get": "U ✓ ✓ F F ✓ ✓",
  "presence.update": "U ✓ ✓ F F ✓ ✓",

  "useCases.createDraft": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "useCases.updateDraft": "U ✓ N ✓ N N N",
  "useCases.publish": "U ✓ N ✓ N N N",
  "useCases.unpublish": "U ✓ F ✓ F F F",
  "useCases.delete": "U ✓ F ✓ F F F",
  "useCases.restore": "U ✓ N ✓ N N N",
  "useCases.moderate": "U F F F F F F",
  "useCases.list": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "useCases.listDeleted": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "useCases.get": "U ✓ N ✓ N N N",
  "useCases.getPublic": "✓ ✓ ✓ ✓ ✓ ✓ ✓",
  "useCases.addMedia": "U ✓ N ✓ N N N",
  "useCases.removeMedia": "U ✓ N ✓ N N N",
  "useCases.reorderMedia": "U ✓ N ✓ N N N",
  "useCases.exportPdf": "U ✓ N ✓ N N N",
  "useCases.exportSpreadsheet": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "useCases.exportOrganization": "U ✓ F ✓ F ✓ F",
  "useCases.exportStatus": "U ✓ N N N N N",

  "tasks.create": "U ✓ ✓ F F ✓ ✓",
  "tasks.get": "U ✓ N F F N N",
  "tasks.update": "U ✓ N F F N N",
  "tasks.toggle": "U ✓ N F F N N",
  "tasks.delete": "U ✓ N F F N N",
  "tasks.list": "U ✓ ✓ F F ✓ ✓",

  "notifications.list": "U ✓ ✓ F F ✓ ✓",
  "notifications.unreadCount": "U ✓ ✓ F F ✓ ✓",
  "notifications.markRead": "U ✓ ✓ F F ✓ ✓",
  "notifications.markAllRead": "U ✓ ✓ F F ✓ ✓",
  "notifications.preferences.get": "U ✓ ✓ F F ✓ ✓",
  "notifications.preferences.update": "U ✓ ✓ F F ✓ ✓",
  "notifications.unsubscribe": "✓ ✓ ✓ ✓ ✓ ✓ ✓",

  "locations.searchCities": "U ✓ ✓ ✓ ✓ ✓ ✓",

  "search.global": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "jobs.list": "U F F F F F F",
  "jobs.retry": "U F F F F F F",

  "dashboard.stats": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "dashboard.activity": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "dashboard.onActivity": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "dashboard.trending": "U ✓ ✓ ✓ ✓ ✓ ✓",

  "users.me": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "users.updateMe": "U ✓ ✓ F F ✓ ✓",
  "users.changePassword": "U ✓ ✓ F F ✓ ✓",
  "users.get": "U ✓ ✓ ✓ ✓ ✓ ✓",
  "users.list": "U ✓ F ✓ F ✓ F",
  "users.update": "U ✓ F ✓ F N F",
  "users.deactivate": "U ✓ F ✓ F N F",
  "users.reactivate": "U ✓ F ✓ F N F",

  "invitations.create": "U ✓ F ✓ F ✓ F",
  "invitations.list": "U ✓ F ✓ F ✓ F",
  "invitations.revoke": "U ✓ F ✓ F N F",
  "invitations.accept": "✓ ✓ ✓ ✓ ✓ ✓ ✓",

  "files.get": "U ✓ ✓ ✓ ✓ N N",
  "files.delete": "U ✓ N N N N N",

  "apiKeys.create": "U ✓ F F F ✓ F",
  "apiKeys.list": "U ✓ F ✓ F ✓ F",
  "apiKeys.revoke": "U ✓ F ✓ F N F",

  "audit.list": "U ✓ F ✓ F ✓ F",
};

/** Answers that may carry A's strings to an outsider because the caller supplied them (A's credentials). */
const callerSupplied = new Set(["auth.signIn"]);

/**
 * Controls for the leak search: A's admin's answer must contain this private string, or an
 * outsider's answer lacking it would prove nothing.
 */
const controls: Record<string, (w: World) => string> = {
  "forums.listTopics": (w) => w.markers.topicTitle,
  "forums.search": (w) => w.markers.topicTitle,
  "forums.getTopic": (w) => w.markers.topicBody,
  "forums.listPosts": (w) => w.markers.reply,
  "forums.getPost": (w) => w.markers.reply,
  "files.get": (w) => w.markers.file,
  "users.get": (w) => w.a.member.email,
  "users.list": (w) => w.a.member.email,
  "organizations.members": (w) => w.a.member.email,
  "invitations.list": (w) => w.a.invitationEmail,
  "messages.history": (w) => w.markers.message,
  "notifications.list": (w) => w.markers.topicTitle,
  "dashboard.activity": (w) => w.markers.topicTitle,
  "useCases.get": (w) => w.markers.useCase,
  "tasks.get": (w) => w.markers.task,
  "tasks.list": (w) => w.markers.task,
  "search.global": (w) => w.markers.topicTitle,
  "messages.listConversations": (w) => w.markers.message,
};

const procedures = walkRouter();
let server: TestServer;
let world: World;
let callers: Record<CallerName, Caller>;

beforeAll(async () => {
  // The walk sends more invitations than one admin may in an hour by default.
  server = await startTestServer({ env: { MAIL_PER_SENDER_PER_HOUR: "10000" } });
  world = await buildWorld(server);
  callers = {
    anonymous: { client: server.client() },
    admin: { client: world.a.admin.client, user: world.a.admin },
    member: { client: world.a.member.client, user: world.a.member },
    adminKey: { client: server.client({ token: world.a.adminKey }) },
    memberKey: { client: server.client({ token: world.a.memberKey }) },
    otherAdmin: { client: world.b.admin.client, user: world.b.admin },
    otherMember: { client: world.b.member.client, user: world.b.member },
  };
});
afterAll(async () => {
  await server?.close();
  console.log(`access walk: ${procedures.length} procedures × ${callerNames.length} callers`);
});

const symbolOf = (appCode: string | undefined) =>
  appCode === "UNAUTHORIZED" ? "U" : appCode === "FORBIDDEN" ? "F" : appCode === "NOT_FOUND" ? "N" : String(appCode);

function codeOf(err: unknown): string {
  if (err instanceof TRPCClientError) return symbolOf((err.data as { appCode?: string } | undefined)?.appCode);
  throw err;
}

/** One call: "✓" and the answer, or the error's symbol. A subscription is judged by its first message. */
async function attempt(
  caller: Caller,
  proc: WalkedProcedure,
  input: unknown,
): Promise<{ got: string; answer?: unknown }> {
  const target = procedureOf(caller.client, proc.path);
  if (proc.type === "query")
    return target.query(input).then(
      (answer) => ({ got: "✓", answer }),
      (e) => ({ got: codeOf(e) }),
    );
  if (proc.type === "mutation") {
    return target.mutate(input).then(
      (answer) => ({ got: "✓", answer }),
      (e) => ({ got: codeOf(e) }),
    );
  }
  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    const settle = (result: { got: string; answer?: unknown }) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      // After the current callback: the subscription object exists by then.
      setImmediate(() => sub.unsubscribe());
      resolve(result);
    };
    const sub = target.subscribe(input, {
      // Started means every builder check passed; a subscription with nothing to say yet (onSessionEnded)
      // is allowed when no error follows shortly.
      onStarted: () => timers.push(setTimeout(() => settle({ got: "✓" }), 2_000)),
      onData: (answer) => settle({ got: "✓", answer }),
      onError: (err) => settle({ got: codeOf(err) }),
    });
    timers.push(setTimeout(() => settle({ got: "no answer" }), 10_000));
  });
}

async function callerFor(name: CallerName, path: string): Promise<Caller> {
  const caller = callers[name];
  const kind = destroysCaller[path];
  if (!kind || !caller.user) return caller;
  const fresh = await freshLike(world, caller.user, kind);
  return { client: fresh.client, user: fresh };
}

describe("access walk", () => {
  it("covers every procedure of the router, and nothing else", () => {
    const paths = procedures.map((p) => p.path).sort();
    expect(paths.length).toBeGreaterThan(50);
    expect(
      paths.filter((p) => !(p in expected)),
      "procedures without an expected row",
    ).toEqual([]);
    expect(
      paths.filter((p) => !(p in inputs)),
      "procedures without an input builder",
    ).toEqual([]);
    expect(
      Object.keys(expected).filter((p) => !paths.includes(p)),
      "rows for procedures that are gone",
    ).toEqual([]);
    expect(
      Object.keys(inputs).filter((p) => !paths.includes(p)),
      "inputs for procedures that are gone",
    ).toEqual([]);
  });

  it("is the matrix docs/permissions.md states", () => {
    const doc = readFileSync(new URL("../../../docs/permissions.md", import.meta.url), "utf8");
    const documented: Record<string, string> = {};
    for (const line of doc.split("\n")) {
      const cells = line.split("|").map((c) => c.trim());
      const path = cells[1]?.match(/^`([\w.]+)`$/)?.[1];
      if (!path || cells.length < 10) continue;
      // | procedure | builder | anonymous | admin | member | admin key | member key | other admin | other member | notes |
      documented[path] = cells
        .slice(3, 10)
        .map((c) => c.split(" ")[0])
        .join(" ");
    }
    expect(documented).toEqual(expected);
  });

  it.each(procedures.map((p) => [p.path, p] as const))("%s", async (path, proc) => {
    const row = expected[path];
    const build = inputs[path];
    expect(row, `${path} has no row in the expectation table: decide who may call it`).toBeDefined();
    expect(build, `${path} has no input builder in test/walk/world.ts`).toBeDefined();
    if (!row || !build) return;
    const want = Object.fromEntries(callerNames.map((name, i) => [name, row.split(" ")[i]]));
    const got: Record<string, string> = {};
    for (const name of callOrder) {
      const caller = await callerFor(name, path);
      const { got: outcome, answer } = await attempt(caller, proc, await build(world, caller));
      got[name] = outcome;
      if (outcome === "✓" && outsiders.has(name) && !callerSupplied.has(path)) {
        const json = JSON.stringify(answer) ?? "";
        const leaked = world.privateStrings.filter((s) => json.includes(s));
        if (leaked.length) got[name] = `✓ but leaked ${leaked.join(", ")}`;
      }
      const control = controls[path];
      if (control && name === "admin" && outcome === "✓") {
        expect(JSON.stringify(answer), "the leak search's control: A's admin sees it").toContain(control(world));
      }
    }
    expect(got).toEqual(want);
  });
});
