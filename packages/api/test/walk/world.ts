/**
 * Shared by the generated walks (access-walk.test.ts, bad-input-walk.test.ts): the router's own
 * procedure list, a fixture world of two organizations, and for every procedure a valid input that
 * targets organization A's objects. A procedure without an input builder here fails both walks, so
 * adding a procedure forces a decision.
 */

import type { P2PClient } from "@p2p/client";
import {
  addMember,
  lastMail,
  png,
  signIn,
  signUpAdmin,
  TEST_PASSWORD,
  type TestServer,
  type TestUser,
  uniqueEmail,
} from "@p2p/testkit";
import * as OTPAuth from "otpauth";
import type { z } from "zod";
import { appRouter } from "../../src";
import { issueAuthToken } from "../../src/modules/auth/tokens";
import { unsubscribeToken } from "../../src/modules/notifications/preferences";

export type ProcedureType = "query" | "mutation" | "subscription";
export interface WalkedProcedure {
  path: string;
  type: ProcedureType;
  /** The zod schema of `.input()`, or null for a procedure that takes none. */
  input: z.ZodType | null;
}

/** Every procedure of the app router (tRPC v11 keeps a flat record of path → procedure). */
export function walkRouter(): WalkedProcedure[] {
  const procedures = (appRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures;
  return Object.entries(procedures).map(([path, procedure]) => {
    const def = (procedure as { _def: { type: ProcedureType; inputs: z.ZodType[] } })._def;
    return { path, type: def.type, input: def.inputs[0] ?? null };
  });
}

/** Calls a procedure by its path through the typed client (the client is a proxy of paths). */
export function procedureOf(client: P2PClient, path: string) {
  let node: unknown = client;
  for (const key of path.split(".")) node = (node as Record<string, unknown>)[key];
  return node as {
    query(input: unknown): Promise<unknown>;
    mutate(input: unknown): Promise<unknown>;
    subscribe(
      input: unknown,
      handlers: { onStarted?(): void; onData?(data: unknown): void; onError?(err: unknown): void },
    ): { unsubscribe(): void };
  };
}

async function upload(server: TestServer, user: TestUser, name: string, type: string, body: Buffer | string) {
  const res = await fetch(`${server.url}/files?name=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${user.token}`, "content-type": type },
    body,
  });
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/**
 * Organization A: its admin (author of an organization-visible topic with a file attached), a plain
 * member (author of a reply in it), a second admin who created A's two API keys (so the keys are
 * not the author of anything), a pending invitation, an uploaded image. Organization B: an admin
 * and a member. Unique markers sit in everything private to A, so an answer to anyone outside A
 * can be searched for them.
 */
export async function buildWorld(server: TestServer) {
  const tag = `zq${Math.random().toString(36).slice(2, 10)}`;
  const markers = {
    topicTitle: `${tag}title`,
    topicBody: `${tag}body`,
    reply: `${tag}reply`,
    file: `${tag}file`,
    message: `${tag}message`,
    useCase: `${tag}usecase`,
    task: `${tag}task`,
  };
  const [adminA, adminB] = await Promise.all([signUpAdmin(server), signUpAdmin(server)]);
  const [memberA, integrator, resetTarget, memberB] = await Promise.all([
    addMember(server, adminA),
    addMember(server, adminA, "admin"),
    addMember(server, adminA),
    addMember(server, adminB),
  ]);
  const [adminKey, memberKey] = await Promise.all([
    integrator.client.apiKeys.create.mutate({ name: "walk admin key", role: "admin" }),
    integrator.client.apiKeys.create.mutate({ name: "walk member key", role: "member" }),
  ]);
  const invitationEmail = uniqueEmail("walk-pending");
  const invitation = await adminA.client.invitations.create.mutate({ email: invitationEmail, role: "member" });
  const fileId = await upload(server, adminA, `${markers.file}.txt`, "text/plain", "shift handover notes");
  const imageId = await upload(server, adminA, "logo.png", "image/png", png());
  const [category] = await adminA.client.forums.listCategories.query();
  if (!category) throw new Error("no forum category");
  const topic = await adminA.client.forums.createTopic.mutate({
    title: `Internal ${markers.topicTitle} shift handover`,
    categoryId: category.id,
    body: `<p>For our plant only: ${markers.topicBody}</p>`,
    visibility: "organization",
    attachmentIds: [fileId],
  });
  const reply = await memberA.client.forums.createPost.mutate({
    topicId: topic.id,
    body: `<p>Agreed, ${markers.reply}</p>`,
  });
  // A direct message inside A: only its two participants may ever see it.
  const message = await adminA.client.messages.send.mutate({
    recipientId: memberA.userId,
    body: `Between us: ${markers.message}`,
    clientMessageId: `${tag}-dm`,
  });
  // A's admin's use cases: a complete draft (private to A's admin and A's admins) and a published one.
  const useCaseDraft = await adminA.client.useCases.createDraft.mutate(
    completeUseCase(`Draft ${markers.useCase} line`),
  );
  // Attached already: another admin (the admin key's creator) may caption it again, not attach it.
  await adminA.client.useCases.addMedia.mutate({ id: useCaseDraft.id, fileId: imageId, caption: "" });
  const useCasePublished = await publishedUseCase(adminA, "Published walk use case");
  const task = await adminA.client.tasks.create.mutate({ title: `Task ${markers.task}`, priority: "high" });
  // The reply made a notification for A's admin (the topic's author).
  const notification = await server.deps.db
    .selectFrom("notifications")
    .select("id")
    .where("userId", "=", adminA.userId)
    .executeTakeFirstOrThrow();
  return {
    server,
    markers,
    categoryId: category.id,
    a: {
      admin: adminA,
      member: memberA,
      integrator,
      resetTarget,
      adminKey: adminKey.key,
      memberKey: memberKey.key,
      invitationEmail,
      invitationId: invitation.id,
      fileId,
      imageId,
      topicId: topic.id,
      /** The topic's first post (the admin's). */
      firstPostId: topic.posts.items[0]?.id as string,
      replyId: reply.id,
      /** A direct message from A's admin to A's member. */
      messageId: message.id,
      /** A's admin's notification of the member's reply. */
      notificationId: notification.id,
      useCaseDraftId: useCaseDraft.id,
      /** A's admin's own task (private to them). */
      taskId: task.id,
      useCasePublishedId: useCasePublished.id,
    },
    b: { admin: adminB, member: memberB },
    /** What only organization A may read: an answer to anyone else must contain none of these. */
    privateStrings: [
      markers.topicTitle,
      markers.topicBody,
      markers.reply,
      markers.file,
      markers.message,
      markers.useCase,
      markers.task,
      adminA.email,
      memberA.email,
      integrator.email,
      resetTarget.email,
      invitationEmail,
    ],
  };
}
export type World = Awaited<ReturnType<typeof buildWorld>>;

/** Who is calling: a person (with their TestUser), an API key, or nobody. */
export interface Caller {
  client: P2PClient;
  user?: TestUser;
}

type InputBuilder = (w: World, caller: Caller) => unknown;
const none: InputBuilder = () => undefined;

const adminExports = new WeakMap<World, Promise<string>>();
/** One export started by A's admin, made once per world (exports a user runs at once are limited). */
function adminExportOf(w: World): Promise<string> {
  let started = adminExports.get(w);
  if (!started) {
    started = w.a.admin.client.useCases.exportPdf.mutate({ id: w.a.useCasePublishedId }).then((r) => r.exportId);
    adminExports.set(w, started);
  }
  return started;
}

const signUpInput = () => ({
  email: uniqueEmail("walk-signup"),
  password: TEST_PASSWORD,
  firstName: "Walk",
  lastName: "Signup",
  organization: { name: "Walk Fabrication", industry: "manufacturing", size: "1-10", country: "SA", city: "Jubail" },
});

const completeUseCase = (title: string) => ({
  title,
  summary: "Vision inspection caught defects early.",
  industry: "manufacturing" as const,
  technologies: ["Machine vision"],
  problem: "Scratches reached customers.",
  solution: "Cameras on the line with a trained model.",
  outcomes: { costSavingsPercent: 12 },
  location: { city: "Riyadh", country: "SA", lat: 24.71, lng: 46.68 },
});

const walkVendor = {
  name: "Walk Vendor",
  website: "https://vendor.example",
  contactName: "Vee",
  email: "vee@vendor.example",
  phone: "+966 11 555 0199",
};

async function publishedUseCase(user: TestUser, title: string) {
  const draft = await user.client.useCases.createDraft.mutate(completeUseCase(title));
  return user.client.useCases.publish.mutate({ id: draft.id });
}

let clientIds = 0;
const freshClientId = () => `walk-${Date.now().toString(36)}-${++clientIds}`;

/** A message of A's admin to A's member, for a destructive call. */
const freshMessage = (w: World) =>
  w.a.admin.client.messages.send.mutate({
    recipientId: w.a.member.userId,
    body: "walk message",
    clientMessageId: freshClientId(),
  });

async function freshTopic(w: World) {
  return w.a.admin.client.forums.createTopic.mutate({
    title: "Disposable topic for a delete",
    categoryId: w.categoryId,
    body: "<p>to be deleted</p>",
    visibility: "organization",
  });
}

async function invitationToken(w: World) {
  const email = uniqueEmail("walk-invitee");
  await w.a.admin.client.invitations.create.mutate({ email, role: "member" });
  const { token } = await lastMail(w.server, email);
  if (!token) throw new Error(`no invitation link in the mail to ${email}`);
  return token;
}

/** The current TOTP code for a base32 secret (RFC 6238, SHA-1, 30 s, 6 digits). */
export const totpCode = (secret: string): string =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate();

/**
 * A valid input per procedure, targeting organization A's objects. Builders run once per call, so
 * a destructive call (delete, revoke, deactivate, accept) gets an object of its own. Builders that
 * prepare the caller (TOTP) only do so for a person; anyone else gets a well-formed input.
 */
export const inputs: Record<string, InputBuilder> = {
  "system.info": none,

  "auth.signUp": signUpInput,
  "auth.signUpFlat": () => {
    const {
      organization: { name, ...organization },
      ...person
    } = signUpInput();
    return { ...person, ...organization, organizationName: name };
  },
  "auth.completeSignUp": async (w) => {
    const input = signUpInput();
    await w.server.client().auth.signUp.mutate(input as Parameters<P2PClient["auth"]["signUp"]["mutate"]>[0]);
    const { token } = await lastMail(w.server, input.email, { subject: "Confirm your email address" });
    return { token, password: input.password, tokenType: "bearer" };
  },
  "auth.signIn": (w) => ({ email: w.a.member.email, password: TEST_PASSWORD, tokenType: "bearer" }),
  "auth.signOut": none,
  "auth.signOutEverywhere": none,
  "auth.onSessionEnded": none,
  "auth.me": none,
  "auth.sessions.list": none,
  // Another session of A's admin: only A's admin may end it.
  "auth.sessions.revoke": async (w) => {
    const other = await signIn(w.server, w.a.admin.email);
    const { items } = await other.client.auth.sessions.list.query();
    return { id: items.find((s) => s.current)?.id };
  },
  "auth.requestPasswordReset": (w) => ({ email: w.a.member.email }),
  "auth.resetPassword": async (w) => ({
    token: await issueAuthToken(w.server.deps.db, w.a.resetTarget.userId, "reset_password", 60_000),
    password: "walk reset passphrase 7x",
  }),
  "auth.verifyEmail": async (w) => ({
    token: await issueAuthToken(w.server.deps.db, w.a.member.userId, "verify_email", 60_000),
  }),
  "auth.resendVerification": none,
  "auth.totp.setup": none,
  "auth.totp.enable": async (_w, c) => {
    if (!c.user) return { code: "000000", password: TEST_PASSWORD };
    const { secret } = await c.client.auth.totp.setup.mutate();
    return { code: totpCode(secret), password: TEST_PASSWORD };
  },
  "auth.totp.disable": async (_w, c) => {
    if (!c.user) return { code: "000000" };
    const { secret } = await c.client.auth.totp.setup.mutate();
    const { recoveryCodes } = await c.client.auth.totp.enable.mutate({
      code: totpCode(secret),
      password: TEST_PASSWORD,
    });
    return { recoveryCode: recoveryCodes[0] };
  },

  "forums.listCategories": none,
  "forums.createTopic": (w) => ({
    title: "Walk: a new topic",
    categoryId: w.categoryId,
    body: "<p>walk</p>",
    visibility: "organization",
  }),
  "forums.listTopics": () => ({}),
  "forums.getTopic": (w) => ({ id: w.a.topicId }),
  "forums.updateTopic": (w) => ({ id: w.a.topicId, tags: ["handover"] }),
  "forums.deleteTopic": async (w) => ({ id: (await freshTopic(w)).id }),
  "forums.pinTopic": (w) => ({ id: w.a.topicId, pinned: true }),
  // Unlocking: a locked topic would refuse every later reply.
  "forums.lockTopic": (w) => ({ id: w.a.topicId, locked: false }),
  "forums.listPosts": (w) => ({ topicId: w.a.topicId }),
  "forums.getPost": (w) => ({ postId: w.a.replyId }),
  "forums.listReplies": (w) => ({ postId: w.a.replyId }),
  "forums.createPost": (w) => ({ topicId: w.a.topicId, body: "<p>walk reply</p>" }),
  "forums.updatePost": (w) => ({ id: w.a.replyId, body: `<p>Agreed, ${w.markers.reply}</p>` }),
  "forums.deletePost": async (w) => ({
    postId: (await w.a.member.client.forums.createPost.mutate({ topicId: w.a.topicId, body: "<p>to be deleted</p>" }))
      .id,
  }),
  "forums.likePost": (w) => ({ postId: w.a.replyId }),
  "forums.unlikePost": (w) => ({ postId: w.a.replyId }),
  "forums.markBestAnswer": (w) => ({ topicId: w.a.topicId, postId: w.a.replyId }),
  "forums.search": (w) => ({ q: w.markers.topicBody }),
  "forums.setTyping": (w) => ({ topicId: w.a.topicId }),
  "forums.onTopic": (w) => ({ topicId: w.a.topicId }),

  "organizations.current": none,
  "organizations.update": () => ({ city: "Dammam" }),
  "organizations.setLogo": (w) => ({ fileId: w.a.imageId }),
  "organizations.directory": () => ({}),
  "organizations.stats": none,
  "organizations.members": () => ({}),

  "users.search": () => ({ q: "Member" }),

  // Direct messages: A's admin sent A's member the world's message; sends, typing and contacts
  // target A's other people (not a caller, so nobody messages or blocks themselves).
  "messages.send": (w) => ({
    recipientId: w.a.resetTarget.userId,
    body: "walk hello",
    clientMessageId: freshClientId(),
  }),
  "messages.listConversations": () => ({}),
  "messages.history": (w) => ({ userId: w.a.member.userId }),
  "messages.unreadCount": none,
  "messages.markDelivered": (w) => ({ messageIds: [w.a.messageId] }),
  "messages.markRead": (w, caller) => ({
    userId: caller.user?.userId === w.a.admin.userId ? w.a.member.userId : w.a.admin.userId,
    upToMessageId: w.a.messageId,
  }),
  "messages.statusHistory": (w) => ({ messageId: w.a.messageId }),
  "messages.edit": (w) => ({ id: w.a.messageId, body: `Between us: ${w.markers.message}` }),
  "messages.delete": async (w) => ({ id: (await freshMessage(w)).id }),
  "messages.react": (w) => ({ messageId: w.a.messageId, emoji: "👍" }),
  "messages.unreact": (w) => ({ messageId: w.a.messageId, emoji: "👍" }),
  "messages.setTyping": (w) => ({ userId: w.a.resetTarget.userId }),
  "me.onEvents": () => ({}),
  "contacts.list": () => ({}),
  "contacts.add": (w) => ({ userId: w.a.integrator.userId }),
  "contacts.remove": (w) => ({ userId: w.a.integrator.userId }),
  "contacts.block": (w) => ({ userId: w.a.integrator.userId }),
  "contacts.unblock": (w) => ({ userId: w.a.integrator.userId }),
  "contacts.listBlocked": () => ({}),
  "presence.get": (w) => ({ userIds: [w.a.admin.userId, w.a.member.userId] }),
  "presence.update": () => ({ away: false }),

  "locations.searchCities": () => ({ q: "riy", country: "SA", limit: 5 }),

  // Every optional block present, so a variant of one nested field changes only that field.
  "useCases.createDraft": () => ({ ...completeUseCase("Walk draft use case"), vendor: walkVendor }),
  "useCases.updateDraft": (w) => ({
    id: w.a.useCaseDraftId,
    ...completeUseCase(`Draft ${w.markers.useCase} line`),
    vendor: walkVendor,
  }),
  "useCases.publish": async (w) => ({
    id: (await w.a.admin.client.useCases.createDraft.mutate(completeUseCase("Walk publish target"))).id,
  }),
  "useCases.unpublish": async (w) => ({ id: (await publishedUseCase(w.a.admin, "Walk unpublish target")).id }),
  "useCases.delete": async (w) => ({ id: (await publishedUseCase(w.a.admin, "Walk delete target")).id }),
  "useCases.restore": async (w) => {
    const { id } = await publishedUseCase(w.a.admin, "Walk restore target");
    await w.a.admin.client.useCases.delete.mutate({ id });
    return { id };
  },
  "useCases.moderate": (w) => ({ id: w.a.useCasePublishedId, action: "restore", reason: "Walk check" }),
  "useCases.list": () => ({ lat: 24.71, lng: 46.68, radiusKm: 500 }),
  "useCases.listDeleted": () => ({}),
  "useCases.get": (w) => ({ id: w.a.useCaseDraftId }),
  "useCases.getPublic": (w) => ({ id: w.a.useCasePublishedId }),
  "useCases.addMedia": (w) => ({ id: w.a.useCaseDraftId, fileId: w.a.imageId, caption: "The line" }),
  "useCases.removeMedia": (w) => ({ id: w.a.useCaseDraftId, fileId: w.a.imageId }),
  "useCases.reorderMedia": async (w) => {
    const { media } = await w.a.admin.client.useCases.get.query({ id: w.a.useCaseDraftId });
    return { id: w.a.useCaseDraftId, fileIds: media.map((m) => m.fileId) };
  },
  "useCases.exportPdf": (w) => ({ id: w.a.useCaseDraftId }),
  "useCases.exportSpreadsheet": () => ({ industry: "manufacturing", lat: 24.71, lng: 46.68, radiusKm: 500 }),
  "useCases.exportOrganization": none,
  // An export of A's admin (one per world): only they may follow it.
  "useCases.exportStatus": async (w) => ({ exportId: await adminExportOf(w) }),

  // Linked to someone who is none of the callers (a conversation with oneself is no link).
  "tasks.create": (w) => ({ title: "Walk task", link: { kind: "conversation", id: w.a.resetTarget.userId } }),
  "tasks.get": (w) => ({ id: w.a.taskId }),
  "tasks.update": (w) => ({
    id: w.a.taskId,
    priority: "high",
    link: { kind: "conversation", id: w.a.resetTarget.userId },
  }),
  "tasks.toggle": (w) => ({ id: w.a.taskId }),
  "tasks.delete": async (w) => ({
    id: (await w.a.admin.client.tasks.create.mutate({ title: "Walk task to delete" })).id,
  }),
  "tasks.list": () => ({}),

  "dashboard.stats": () => ({ range: "7d" }),
  "dashboard.activity": () => ({ scope: "organization" }),
  "dashboard.onActivity": () => ({ scope: "organization" }),
  "dashboard.trending": () => ({ kind: "topics", window: "7d" }),

  // A's organization-only topic, A's admin's draft use case and task: only A (and the task's owner) find them.
  "search.global": (w) => ({ q: `${w.markers.topicTitle} or ${w.markers.useCase} or ${w.markers.task}` }),
  "jobs.list": () => ({}),
  "jobs.retry": () => ({ id: "walk-no-such-job" }),

  "notifications.list": () => ({}),
  "notifications.unreadCount": none,
  "notifications.markRead": (w) => ({ ids: [w.a.notificationId] }),
  "notifications.markAllRead": () => ({ before: new Date(0) }),
  "notifications.preferences.get": none,
  "notifications.preferences.update": () => ({ types: [{ type: "forum.reply", email: "daily" }] }),
  "notifications.unsubscribe": (w) => ({
    token: unsubscribeToken(w.server.deps, w.a.admin.userId, "forum.bestAnswer"),
  }),

  "users.me": none,
  "users.updateMe": () => ({ title: "Shift lead" }),
  "users.changePassword": () => ({ current: TEST_PASSWORD, next: "walk changed passphrase 9" }),
  "users.get": (w) => ({ id: w.a.member.userId }),
  "users.list": () => ({}),
  "users.update": (w) => ({ id: w.a.member.userId, role: "member" }),
  "users.deactivate": async (w) => ({ id: (await addMember(w.server, w.a.admin)).userId }),
  "users.reactivate": (w) => ({ id: w.a.member.userId }),

  "invitations.create": () => ({ email: uniqueEmail("walk-invite"), role: "member" }),
  "invitations.list": none,
  "invitations.revoke": async (w) => ({
    id: (await w.a.admin.client.invitations.create.mutate({ email: uniqueEmail("walk-revoke"), role: "member" })).id,
  }),
  "invitations.accept": async (w) => ({
    token: await invitationToken(w),
    password: TEST_PASSWORD,
    firstName: "Walk",
    lastName: "Invitee",
    tokenType: "bearer",
  }),

  "files.get": (w) => ({ id: w.a.fileId }),
  "files.delete": async (w) => ({ id: await upload(w.server, w.a.admin, "scrap.txt", "text/plain", "scrap") }),

  "apiKeys.create": () => ({ name: "walk key", role: "member" }),
  "apiKeys.list": none,
  "apiKeys.revoke": async (w) => ({
    id: (await w.a.admin.client.apiKeys.create.mutate({ name: "walk disposable", role: "member" })).id,
  }),

  "audit.list": () => ({}),
};

/**
 * Calls that end the caller's own session ("session": sign the person in again first) or change
 * the account for good ("user": password, second factor, every session): they run as a fresh
 * person of the same role and organization, so the world's callers stay usable.
 */
export const destroysCaller: Record<string, "session" | "user"> = {
  "auth.signOut": "session",
  "auth.signOutEverywhere": "user",
  "auth.totp.enable": "user",
  "auth.totp.disable": "user",
  "users.changePassword": "user",
};

/** A person like `user` (same organization and role) for a call that would spoil `user`. */
export async function freshLike(w: World, user: TestUser, kind: "session" | "user"): Promise<TestUser> {
  if (kind === "session") return signIn(w.server, user.email);
  const orgAdmin = user.organizationId === w.a.admin.organizationId ? w.a.admin : w.b.admin;
  return addMember(w.server, orgAdmin, user.session.role === "admin" ? "admin" : "member");
}
