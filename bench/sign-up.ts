import { createDb } from "@p2p/api";
import { createClient } from "@p2p/client";

/**
 * A new organization's admin, signed in with a bearer token, through the API's two-step sign-up.
 * A production server has no /dev/outbox, so the link is read from its outbox table.
 */
export async function signUpBenchAdmin(url: string, organizationName: string): Promise<string> {
  const email = `bench.${Date.now()}.${Math.random().toString(36).slice(2)}@example.com`;
  const password = "bench password 2026";
  await createClient({ url }).auth.signUp.mutate({
    email,
    password,
    firstName: "Bench",
    lastName: "Admin",
    organization: { name: organizationName, industry: "manufacturing", size: "11-50", country: "SA", city: "Riyadh" },
  });
  const { token } = await createClient({ url }).auth.completeSignUp.mutate({
    token: await signUpToken(email),
    password,
    tokenType: "bearer",
  });
  if (!token) throw new Error("completeSignUp answered no bearer token");
  return token;
}

async function signUpToken(email: string): Promise<string> {
  const db = createDb({ url: process.env.DATABASE_URL as string, poolSize: 1 });
  try {
    for (let i = 0; i < 100; i++) {
      const mail = await db
        .selectFrom("mailOutbox")
        .select("text")
        .where("to", "=", email)
        .orderBy("seq", "desc")
        .executeTakeFirst();
      const token = mail?.text.match(/token=([A-Za-z0-9_.-]+)/)?.[1];
      if (token) return token;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await db.destroy();
  }
  throw new Error(`no sign-up mail to ${email}`);
}
