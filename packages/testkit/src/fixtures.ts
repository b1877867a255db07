import { type Database, invalidateUsers } from "@p2p/api";
import { type P2PClient, type RouterInputs, type RouterOutputs, TRPCClientError } from "@p2p/client";
import type { TestServer } from "./server";

export type SignUpInput = RouterInputs["auth"]["signUp"];
export type SignedIn = RouterOutputs["auth"]["signIn"];

export interface TestUser {
  client: P2PClient;
  token: string;
  email: string;
  password: string;
  session: SignedIn;
  userId: string;
  organizationId: string;
}

function asTestUser(server: TestServer, session: SignedIn, email: string, password: string): TestUser {
  const { token } = session;
  if (!token) throw new Error("no bearer token: the fixtures ask for tokenType: bearer");
  return {
    client: server.client({ token }),
    token,
    email,
    password,
    session,
    userId: session.user.id,
    organizationId: session.organization.id,
  };
}

let counter = 0;
export const uniqueEmail = (tag = "user") => `${tag}.${Date.now().toString(36)}.${++counter}@example.com`;
export const TEST_PASSWORD = "correct horse battery staple";

/**
 * A fresh organization with its first user (an admin, email verified), signed in with a bearer
 * token: sign-up, then the emailed link (written by a job) with the same password.
 */
export async function signUpAdmin(
  server: TestServer,
  overrides: Partial<Omit<SignUpInput, "organization">> & { organization?: Partial<SignUpInput["organization"]> } = {},
): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail("admin");
  const password = overrides.password ?? TEST_PASSWORD;
  // Sign-up answers "check your email"; the emailed link, with the same password, creates the account.
  await server.client().auth.signUp.mutate({
    email,
    password,
    firstName: overrides.firstName ?? "Ada",
    lastName: overrides.lastName ?? "Admin",
    organization: {
      name: `Org ${counter + 1} ${Math.random().toString(36).slice(2, 6)}`,
      industry: "manufacturing",
      size: "11-50",
      country: "SA",
      city: "Riyadh",
      ...overrides.organization,
    },
  });
  // A job writes the mail: the server (or another node on its stores) must run a job worker.
  const { token } = await lastMail(server, email, { subject: "Confirm your email address" }).catch(() => {
    throw new Error(
      `no sign-up mail to ${email}: signUpAdmin needs a job worker (startTestServer without runWorker: false)`,
    );
  });
  if (!token) throw new Error(`no sign-up link in the mail to ${email}`);
  const session = await server.client().auth.completeSignUp.mutate({ token, password, tokenType: "bearer" });
  return asTestUser(server, session, email, password);
}

/** Signs an existing account in and returns a client holding its bearer token. */
export async function signIn(server: TestServer, email: string, password = TEST_PASSWORD): Promise<TestUser> {
  const session = await server.client().auth.signIn.mutate({ email, password, tokenType: "bearer" });
  return asTestUser(server, session, email, password);
}

/**
 * Signs in as a browser does (plain HTTP, no token type): the session cookie (`cookie`, ready for
 * a Cookie header), the anti-CSRF cookie, and the JSON body the server answered with.
 */
export async function signInWithCookie(server: TestServer, email: string, password = TEST_PASSWORD) {
  const res = await fetch(`${server.url}/trpc/auth.signIn`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { email, password } }),
  });
  if (res.status !== 200) throw new Error(`auth.signIn answered ${res.status}: ${await res.text()}`);
  const setCookies = res.headers.getSetCookie();
  const cookieNamed = (name: string) => setCookies.find((c) => c.startsWith(`${name}=`))?.split(";")[0] ?? "";
  const body = (await res.json()) as { result: { data: { json: Record<string, unknown> } } };
  return {
    cookie: cookieNamed("p2p_session"),
    csrfCookie: cookieNamed("p2p_csrf"),
    setCookies,
    body: body.result.data.json,
  };
}

/**
 * The newest outbox mail to an address (with `subject`, the newest with that subject), and the token
 * from the first link in it. Waits up to `timeoutMs` for it: jobs write some mail (sign-up, reset).
 */
export async function lastMail(
  server: TestServer,
  to: string,
  { subject, timeoutMs = 5_000 }: { subject?: string | RegExp; timeoutMs?: number } = {},
) {
  const matches = (s: string) =>
    subject === undefined || (typeof subject === "string" ? s === subject : subject.test(s));
  const deadline = Date.now() + timeoutMs;
  let mail = (await server.deps.mail.outbox(to)).find((m) => matches(m.subject));
  while (!mail && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    mail = (await server.deps.mail.outbox(to)).find((m) => matches(m.subject));
  }
  if (!mail) throw new Error(`no mail to ${to}${subject === undefined ? "" : ` with subject ${subject}`}`);
  const token = mail.text.match(/[?&]token=([A-Za-z0-9_.-]+)/)?.[1] ?? null;
  return { ...mail, token };
}

/** A new user of `admin`'s organization, invited by email and signed in with a bearer token. */
export async function addMember(
  server: TestServer,
  admin: TestUser,
  role: "member" | "admin" = "member",
): Promise<TestUser> {
  const email = uniqueEmail(role);
  await admin.client.invitations.create.mutate({ email, role });
  const { token } = await lastMail(server, email);
  if (!token) throw new Error(`no invitation link in the mail to ${email}`);
  await server.client().invitations.accept.mutate({
    token,
    password: TEST_PASSWORD,
    firstName: "Max",
    lastName: role === "admin" ? "Admin" : "Member",
    tokenType: "bearer",
  });
  return signIn(server, email);
}

/** How a call failed, as a client sees it: message, tRPC code, app code, and the fields named in issues (sorted). */
export async function failure(call: Promise<unknown>) {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof TRPCClientError)) throw new Error(`expected the call to fail, got ${String(err)}`);
  const data = err.data as { code: string; appCode: string; issues?: { path: string; message: string }[] };
  return { message: err.message, ...data, fields: (data.issues ?? []).map((i) => i.path).sort() };
}

/**
 * Grants the platform moderator flag (as the CLI does) and waits until this server's cached
 * principal for the user's token has it.
 */
export async function makeModerator(server: TestServer, user: TestUser): Promise<void> {
  await server.deps.db.updateTable("users").set({ isModerator: true }).where("id", "=", user.userId).execute();
  await invalidateUsers(server.deps.events, [user.userId]);
  const headers = new Headers({ authorization: `Bearer ${user.token}` });
  for (let i = 0; i < 100; i++) {
    if ((await server.deps.authenticator.authenticate({ headers, transport: "http" })).principal?.isModerator) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("the moderator flag did not reach the server's cache");
}

/** Rows in a PostgreSQL table, to show that a refused call wrote nothing. */
export async function countRows(server: TestServer, table: keyof Database): Promise<number> {
  const row = await server.deps.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The people most access tests need: an organization's admin with two members, an admin of
 * another organization (the outsider), and a platform moderator from a third one.
 */
export async function signUpCast(server: TestServer) {
  const admin = await signUpAdmin(server);
  const [member, colleague, outsider, moderator] = await Promise.all([
    addMember(server, admin),
    addMember(server, admin),
    signUpAdmin(server),
    signUpAdmin(server),
  ]);
  await makeModerator(server, moderator);
  return { admin, member, colleague, outsider, moderator };
}

/** An upload through `/files` as `user` (what the web app does before attaching a file); fails unless 201. */
export async function uploadFile(
  server: TestServer,
  user: TestUser,
  file: { name: string; contentType: string; body: string | Uint8Array<ArrayBuffer> },
): Promise<{ id: string; name: string; contentType: string; size: number }> {
  const res = await fetch(`${server.url}/files?name=${encodeURIComponent(file.name)}`, {
    method: "POST",
    headers: { "content-type": file.contentType, authorization: `Bearer ${user.token}` },
    body: file.body,
  });
  if (res.status !== 201) throw new Error(`upload of ${file.name} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { id: string; name: string; contentType: string; size: number };
}
