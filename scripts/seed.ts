/**
 * Demo data, created through the public API with @p2p/client, as the frontend would. Idempotent:
 * an organization whose admin can already sign in is left alone. Invitation links are read from
 * the development outbox (GET /dev/outbox), which only a development server serves.
 */
import { createClient, TRPCClientError } from "@p2p/client";

const url = process.env.PUBLIC_URL ?? "http://localhost:3000";
export const DEMO_PASSWORD = "p2p-sandbox-demo";

interface DemoOrg {
  name: string;
  industry: "manufacturing" | "automotive";
  size: "11-50" | "51-200";
  city: string;
  admin: { email: string; firstName: string; lastName: string };
  members: { email: string; firstName: string; lastName: string; role: "member" | "admin" }[];
}

const orgs: DemoOrg[] = [
  {
    name: "Al-Noor Plastics",
    industry: "manufacturing",
    size: "51-200",
    city: "Dammam",
    admin: { email: "admin@alnoor.example", firstName: "Khalid", lastName: "Al-Harbi" },
    members: [
      { email: "fatima@alnoor.example", firstName: "Fatima", lastName: "Al-Zahrani", role: "member" },
      { email: "yousef@alnoor.example", firstName: "Yousef", lastName: "Al-Qahtani", role: "member" },
    ],
  },
  {
    name: "Riyadh Precision Machining",
    industry: "automotive",
    size: "11-50",
    city: "Riyadh",
    admin: { email: "admin@rpm.example", firstName: "Sara", lastName: "Al-Otaibi" },
    members: [{ email: "omar@rpm.example", firstName: "Omar", lastName: "Al-Shehri", role: "member" }],
  },
];

async function inviteToken(email: string): Promise<string> {
  const res = await fetch(`${url}/dev/outbox?to=${encodeURIComponent(email)}`);
  if (!res.ok)
    throw new Error(`GET /dev/outbox answered ${res.status}: is the server running with NODE_ENV=development?`);
  const [mail] = (await res.json()) as { text: string }[];
  const token = mail?.text.match(/token=([A-Za-z0-9_.-]+)/)?.[1];
  if (!token) throw new Error(`no invitation mail for ${email}`);
  return token;
}

async function seedOrg(org: DemoOrg): Promise<void> {
  const anonymous = createClient({ url });
  try {
    await anonymous.auth.signIn.mutate({ email: org.admin.email, password: DEMO_PASSWORD });
    console.log(`  ${org.name}: already there`);
    return;
  } catch (err) {
    if (!(err instanceof TRPCClientError) || err.data?.appCode !== "INVALID_CREDENTIALS") throw err;
  }
  const { token } = await anonymous.auth.signUp.mutate({
    ...org.admin,
    password: DEMO_PASSWORD,
    organization: { name: org.name, industry: org.industry, size: org.size, country: "SA", city: org.city },
  });
  const admin = createClient({ url, token });
  for (const member of org.members) {
    await admin.invitations.create.mutate({ email: member.email, role: member.role });
    await anonymous.invitations.accept.mutate({
      token: await inviteToken(member.email),
      password: DEMO_PASSWORD,
      firstName: member.firstName,
      lastName: member.lastName,
    });
  }
  console.log(`  ${org.name}: admin ${org.admin.email}, ${org.members.length} members`);
}

const info = await createClient({ url }).system.info.query();
console.log(`seeding ${url} (server ${info.version})`);
for (const org of orgs) await seedOrg(org);
console.log(`demo password for every account: ${DEMO_PASSWORD}`);
