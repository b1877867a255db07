import type { P2PClient, RouterInputs, RouterOutputs } from "@p2p/client";
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

let counter = 0;
export const uniqueEmail = (tag = "user") => `${tag}.${Date.now().toString(36)}.${++counter}@example.com`;
export const TEST_PASSWORD = "correct horse battery staple";

/** A fresh organization with its first user (an admin), signed in with a bearer token. */
export async function signUpAdmin(
  server: TestServer,
  overrides: Partial<Omit<SignUpInput, "organization">> & { organization?: Partial<SignUpInput["organization"]> } = {},
): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail("admin");
  const password = overrides.password ?? TEST_PASSWORD;
  const session = await server.client().auth.signUp.mutate({
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
  return {
    client: server.client({ token: session.token }),
    token: session.token,
    email,
    password,
    session,
    userId: session.user.id,
    organizationId: session.organization.id,
  };
}

/** Signs an existing account in and returns a client holding its bearer token. */
export async function signIn(server: TestServer, email: string, password = TEST_PASSWORD): Promise<TestUser> {
  const session = await server.client().auth.signIn.mutate({ email, password });
  return {
    client: server.client({ token: session.token }),
    token: session.token,
    email,
    password,
    session,
    userId: session.user.id,
    organizationId: session.organization.id,
  };
}

/** The newest outbox mail to an address, and the token from the first link in it. */
export async function lastMail(server: TestServer, to: string) {
  const [mail] = await server.deps.mail.outbox(to);
  if (!mail) throw new Error(`no mail to ${to}`);
  const token = mail.text.match(/[?&]token=([A-Za-z0-9_.-]+)/)?.[1] ?? null;
  return { ...mail, token };
}
