/**
 * Demo data, created through the public API with @p2p/client, as the frontend would. Idempotent:
 * an organization whose admin can already sign in is left alone, and so is a forum topic its
 * author already has (same title). Invitation links are read from the development outbox
 * (GET /dev/outbox), which only a development server serves.
 */
import { createClient, type P2PClient, type RouterInputs, TRPCClientError } from "@p2p/client";
import sharp from "sharp";

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

/** The link token in the newest mail to `email` with `subject`; a job writes some mail, so this waits a little. */
async function mailToken(email: string, subject: RegExp): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await fetch(`${url}/dev/outbox?to=${encodeURIComponent(email)}`);
    if (!res.ok)
      throw new Error(`GET /dev/outbox answered ${res.status}: is the server running with NODE_ENV=development?`);
    const mail = ((await res.json()) as { subject: string; text: string }[]).find((m) => subject.test(m.subject));
    const token = mail?.text.match(/token=([A-Za-z0-9_.-]+)/)?.[1];
    if (token) return token;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail matching ${subject} for ${email}`);
}

async function seedOrg(org: DemoOrg): Promise<void> {
  const anonymous = createClient({ url });
  try {
    const { token } = await anonymous.auth.signIn.mutate({
      email: org.admin.email,
      password: DEMO_PASSWORD,
      tokenType: "bearer",
    });
    await createClient({ url, token }).auth.signOut.mutate();
    console.log(`  ${org.name}: already there`);
    return;
  } catch (err) {
    if (!(err instanceof TRPCClientError) || err.data?.appCode !== "INVALID_CREDENTIALS") throw err;
  }
  // Sign-up answers "check your email"; the emailed link, with the same password, creates the account.
  await anonymous.auth.signUp.mutate({
    ...org.admin,
    password: DEMO_PASSWORD,
    organization: { name: org.name, industry: org.industry, size: org.size, country: "SA", city: org.city },
  });
  const { token } = await anonymous.auth.completeSignUp.mutate({
    token: await mailToken(org.admin.email, /^Confirm your email address$/),
    password: DEMO_PASSWORD,
    tokenType: "bearer",
  });
  const admin = createClient({ url, token });
  for (const member of org.members) {
    await admin.invitations.create.mutate({ email: member.email, role: member.role });
    await anonymous.invitations.accept.mutate({
      token: await mailToken(member.email, /invited you/),
      password: DEMO_PASSWORD,
      firstName: member.firstName,
      lastName: member.lastName,
      tokenType: "bearer",
    });
  }
  console.log(`  ${org.name}: admin ${org.admin.email}, ${org.members.length} members`);
}

// ---------------------------------------------------------------- forums

type Person = "khalid" | "fatima" | "yousef" | "sara" | "omar";
const emails: Record<Person, string> = {
  khalid: "admin@alnoor.example",
  fatima: "fatima@alnoor.example",
  yousef: "yousef@alnoor.example",
  sara: "admin@rpm.example",
  omar: "omar@rpm.example",
};

interface DemoPost {
  by: Person;
  body: string;
  likedBy?: Person[];
  /** The topic's author marks this one as the best answer. */
  best?: boolean;
  replies?: DemoPost[];
}

interface DemoTopic {
  by: Person;
  category: string;
  title: string;
  body: string;
  tags: string[];
  visibility: "platform" | "organization";
  posts: DemoPost[];
}

const ar = (text: string) => `<p dir="rtl" lang="ar">${text}</p>`;

const topics: DemoTopic[] = [
  {
    by: "fatima",
    category: "maintenance",
    title: "Screw compressor bearings fail every four months",
    body: "<p>Our 75 kW screw compressor needs new <strong>motor bearings</strong> every four months. Vibration climbs slowly, then the drive-end bearing runs hot. Grease is the OEM one. What should we check first?</p>",
    tags: ["compressors", "bearings", "vibration"],
    visibility: "platform",
    posts: [
      {
        by: "omar",
        best: true,
        likedBy: ["fatima", "khalid", "yousef"],
        body: "<p>Three things, in this order:</p><ul><li>Coupling alignment after every bearing change (laser, not a straight edge).</li><li>Grease quantity: over-greasing cooks bearings as fast as starving them. Use the bearing maker's formula, not a fixed number of shots.</li><li>Soft foot on the motor feet.</li></ul><p>We went from 5 months to over 2 years on the same model.</p>",
        replies: [
          {
            by: "fatima",
            body: "<p>We do grease by a fixed number of shots… I'll check the formula. Thanks!</p>",
          },
        ],
      },
      {
        by: "yousef",
        likedBy: ["sara"],
        body: "<p>Same story on our Atlas Copco unit last year. Vibration analysis showed a 1× peak: misalignment.</p>",
        replies: [
          {
            by: "sara",
            body: "<p>Did you realign hot or cold? Our motor grows almost 0.2 mm at running temperature.</p>",
            replies: [
              {
                by: "yousef",
                likedBy: ["omar"],
                body: "<p>Cold, with the thermal growth offsets from the manual. Hot checks confirmed it.</p>",
              },
            ],
          },
        ],
      },
    ],
  },
  {
    by: "khalid",
    category: "energy",
    title: "خفض استهلاك الكهرباء في خطوط البثق",
    body: ar(
      "فاتورة الكهرباء عندنا ارتفعت ٢٥٪ هذا العام. أكبر الأحمال هي سخانات البراميل ومحركات البثق ومضخات التبريد. ما الذي جربتموه وأعطى نتيجة فعلية؟",
    ),
    tags: ["energy", "extrusion"],
    visibility: "platform",
    posts: [
      {
        by: "sara",
        likedBy: ["khalid", "fatima"],
        best: true,
        body: ar(
          "ركّبنا محولات تردد (VFD) على مضخات التبريد وخفضنا استهلاكها بنسبة ١٨٪. وعزل البراميل ببطانيات حرارية وفّر لنا حوالي ١٠٪ من طاقة التسخين.",
        ),
        replies: [
          {
            by: "yousef",
            body: ar("كم كانت مدة استرداد تكلفة البطانيات الحرارية؟"),
            replies: [{ by: "sara", body: ar("أقل من ثمانية أشهر على خطين.") }],
          },
        ],
      },
      {
        by: "omar",
        body: ar("راجعوا أيضاً معامل القدرة؛ غرامات معامل القدرة المنخفض كانت جزءاً كبيراً من فاتورتنا."),
      },
    ],
  },
  {
    by: "omar",
    category: "maintenance",
    title: "صيانة الضواغط: متى نغيّر الزيت؟",
    body: ar(
      "الشركة المصنعة تقول كل ٤٠٠٠ ساعة، لكن بيئة المصنع عندنا حارة ومغبرة. هل تلتزمون بالساعات أم بتحليل الزيت؟",
    ),
    tags: ["compressors", "oil-analysis"],
    visibility: "platform",
    posts: [
      {
        by: "yousef",
        best: true,
        likedBy: ["omar", "sara"],
        body: ar("نرسل عينة زيت كل ١٠٠٠ ساعة للتحليل. في الصيف نغيّر الزيت غالباً عند ٣٠٠٠ ساعة بسبب الأكسدة."),
      },
      {
        by: "fatima",
        body: ar("ونظّفوا مبرد الزيت مع كل تغيير؛ الغبار يرفع الحرارة ويسرّع تلف الزيت."),
      },
    ],
  },
  {
    by: "sara",
    category: "quality",
    title: "SPC for CNC bore diameters: X-bar R or I-MR?",
    body: "<p>We measure one bore per part on a CNC line making 400 parts a shift. A consultant wants X-bar R with subgroups of 5; the operators find I-MR easier. Which do you use, and why?</p>",
    tags: ["spc", "cnc"],
    visibility: "platform",
    posts: [
      {
        by: "fatima",
        likedBy: ["sara", "omar"],
        body: "<p>With 400 parts a shift, X-bar R on consecutive parts catches shifts faster. I-MR is for slow processes where subgroups make no sense.</p>",
      },
      {
        by: "khalid",
        body: '<p>Whatever you choose, check the gauge first (Gauge R&amp;R). Half our "out of control" points were the bore gauge.</p>',
        likedBy: ["fatima"],
      },
    ],
  },
  {
    by: "khalid",
    category: "safety",
    title: "Forklift near-miss at warehouse B: action items",
    body: "<p>Internal to Al-Noor. A forklift reversed into the pedestrian lane at warehouse B on Sunday; nobody was hurt. Proposed actions: blue spot lights on all forklifts, painted exclusion zones, and a refresher for the night shift.</p>",
    tags: ["forklifts", "near-miss"],
    visibility: "organization",
    posts: [
      {
        by: "yousef",
        body: "<p>Blue spots are ordered, delivery next week. I will fit them myself.</p>",
        likedBy: ["khalid"],
      },
      {
        by: "fatima",
        body: "<p>I can run the refresher for the night shift on Wednesday.</p>",
        replies: [{ by: "khalid", body: "<p>Perfect, please add it to the training log.</p>" }],
      },
    ],
  },
  {
    by: "yousef",
    category: "digital-transformation",
    title: "Connecting an old Siemens S7-300 to our MES",
    body: "<p>Our extruders run on S7-300 PLCs without OPC UA. Has anyone pulled production counts from them into an MES without replacing the PLC?</p>",
    tags: ["plc", "mes", "opc-ua"],
    visibility: "platform",
    posts: [
      {
        by: "omar",
        likedBy: ["yousef"],
        body: "<p>We used a small edge gateway that speaks S7 (ISO-on-TCP) on one side and OPC UA/MQTT on the other. No PLC changes, only a read-only data block.</p>",
      },
    ],
  },
];

interface Member {
  client: P2PClient;
  userId: string;
  token: string;
}

async function seedTopic(topic: DemoTopic, people: Map<Person, Member>, categories: Map<string, string>) {
  const author = people.get(topic.by) as Member;
  const mine = await author.client.forums.listTopics.query({ authorId: author.userId, sort: "latest", limit: 100 });
  if (mine.items.some((t) => t.title === topic.title)) return false;
  const categoryId = categories.get(topic.category);
  if (!categoryId) throw new Error(`no forum category ${topic.category}`);
  const created = await author.client.forums.createTopic.mutate({
    title: topic.title,
    body: topic.body,
    categoryId,
    tags: topic.tags,
    visibility: topic.visibility,
  });
  const write = async (post: DemoPost, parentId?: string) => {
    const { client } = people.get(post.by) as Member;
    const { id } = await client.forums.createPost.mutate({ topicId: created.id, parentId, body: post.body });
    for (const liker of post.likedBy ?? []) await people.get(liker)?.client.forums.likePost.mutate({ postId: id });
    if (post.best) await author.client.forums.markBestAnswer.mutate({ topicId: created.id, postId: id });
    for (const reply of post.replies ?? []) await write(reply, id);
  };
  for (const post of topic.posts) await write(post);
  return true;
}

async function seedForums(people: Map<Person, Member>): Promise<void> {
  const categories = new Map(
    (await (people.get("khalid") as Member).client.forums.listCategories.query()).map((c) => [c.slug, c.id]),
  );
  let created = 0;
  for (const topic of topics) if (await seedTopic(topic, people, categories)) created++;
  console.log(`  forums: ${created} topics created, ${topics.length - created} already there`);
}

// ---------------------------------------------------------------- direct messages

interface DemoMessage {
  from: Person;
  to: Person;
  body: string;
  /** The recipient read it (and everything before it). */
  read?: boolean;
  reactions?: { by: Person; emoji: string }[];
}

/** Conversations across and within the two organizations, with receipts and reactions. */
const conversations: DemoMessage[] = [
  {
    from: "sara",
    to: "khalid",
    body: "Salam Khalid, we saw your topic on the injection moulding cycle time.",
    read: true,
  },
  {
    from: "khalid",
    to: "sara",
    body: "Wa alaikum assalam! Yes, we cut it by 12% with conformal cooling. Happy to share the data.",
    read: true,
    reactions: [{ by: "sara", emoji: "👍" }],
  },
  { from: "sara", to: "khalid", body: "That would help a lot. Could we visit the Dammam plant next week?" },
  { from: "fatima", to: "omar", body: "Omar, which edge gateway did you use for the S7 PLCs?", read: true },
  {
    from: "omar",
    to: "fatima",
    body: "A small industrial PC running Node-RED with the S7 node; I can send you the flow.",
    reactions: [{ by: "fatima", emoji: "🙏" }],
  },
  { from: "yousef", to: "khalid", body: "The mould maintenance report is uploaded to the shared drive.", read: true },
  { from: "khalid", to: "yousef", body: "شكراً يوسف، سأراجعه اليوم." },
];

/** Idempotent: each message has a fixed clientMessageId, so a second run sends nothing new. */
async function seedMessages(people: Map<Person, Member>): Promise<void> {
  const person = (p: Person) => people.get(p) as Member;
  let n = 0;
  for (const message of conversations) {
    const sent = await person(message.from).client.messages.send.mutate({
      recipientId: person(message.to).userId,
      body: message.body,
      clientMessageId: `demo-message-${++n}`,
    });
    if (message.read) {
      await person(message.to).client.messages.markRead.mutate({
        userId: person(message.from).userId,
        upToMessageId: sent.id,
      });
    }
    for (const { by, emoji } of message.reactions ?? []) {
      await person(by).client.messages.react.mutate({ messageId: sent.id, emoji });
    }
  }
  // Everyone keeps the people they talk to as contacts.
  for (const { from, to } of conversations)
    await person(from).client.contacts.add.mutate({ userId: person(to).userId });
  console.log(
    `  messages: ${conversations.length} in ${new Set(conversations.map((m) => [m.from, m.to].sort().join())).size} conversations`,
  );
}

// ---------------------------------------------------------------- use cases

type DemoUseCase = RouterInputs["useCases"]["createDraft"] & { by: Person; photo: string };

const useCases: DemoUseCase[] = [
  {
    by: "khalid",
    photo: "#1f6f8b",
    title: "Conformal cooling cut injection cycle time by 12%",
    summary: "3D-printed inserts with conformal channels on our highest-volume cap mould.",
    industry: "manufacturing",
    technologies: ["Additive manufacturing", "Mould flow simulation"],
    tags: ["injection-moulding", "cycle-time"],
    problem: "The 32-cavity cap mould ran at 9.8 s per cycle, limited by cooling of the thick core.",
    solution:
      "We replaced the core inserts with metal-printed ones carrying conformal cooling channels, validated by mould-flow simulation.",
    outcomes: {
      costSavingsPercent: 9,
      efficiencyGainPercent: 12,
      roiMonths: 7,
      metrics: [{ label: "Cycle time", value: 8.6, unit: "s" }],
    },
    vendor: {
      name: "Gulf Additive",
      website: "https://gulf-additive.example",
      contactName: "Hassan",
      email: "hassan@gulf-additive.example",
      phone: "+966 13 555 0101",
    },
    location: { city: "Dammam", country: "SA", lat: 26.4207, lng: 50.0888 },
  },
  {
    by: "fatima",
    photo: "#52796f",
    title: "مراقبة الطاقة في خطوط البثق",
    summary: "عدادات ذكية على كل خط بثق كشفت هدر الطاقة أثناء التوقفات.",
    industry: "manufacturing",
    technologies: ["IoT", "Energy monitoring"],
    tags: ["energy"],
    problem: "استهلاك الكهرباء في خطوط البثق كان مرتفعاً حتى أثناء التوقفات المخطط لها.",
    solution: "ركّبنا عدادات ذكية مع لوحة متابعة، وأوقفنا السخانات تلقائياً بعد عشر دقائق من التوقف.",
    outcomes: { costSavingsPercent: 14, efficiencyGainPercent: null, roiMonths: 5, metrics: [] },
    vendor: null,
    location: { city: "Dammam", country: "SA", lat: 26.43, lng: 50.1 },
  },
  {
    by: "sara",
    photo: "#6a4c93",
    title: "Vision inspection of machined brake discs",
    summary: "Two cameras and a trained model check every disc for surface defects at line speed.",
    industry: "automotive",
    technologies: ["Machine vision", "Deep learning"],
    tags: ["quality"],
    problem: "Manual inspection missed about 2% of surface defects and slowed the line at peak.",
    solution: "An inspection cell with two line-scan cameras and a defect model trained on 40,000 labelled images.",
    outcomes: {
      costSavingsPercent: 6,
      efficiencyGainPercent: 18,
      roiMonths: 11,
      metrics: [{ label: "Escaped defects", value: 0.2, unit: "%" }],
    },
    vendor: {
      name: "Visiona",
      website: "https://visiona.example",
      contactName: "Reem",
      email: "reem@visiona.example",
      phone: "+966 11 555 0133",
    },
    location: { city: "Riyadh", country: "SA", lat: 24.7136, lng: 46.6753 },
  },
  {
    by: "omar",
    photo: "#bc4749",
    title: "صيانة تنبؤية لمغازل التشغيل",
    summary: "حساسات الاهتزاز على المغازل تنبهنا قبل التلف بأيام.",
    industry: "automotive",
    technologies: ["Vibration analysis", "IoT"],
    tags: ["maintenance"],
    problem: "أعطال المغازل المفاجئة كانت توقف مركز التشغيل يومين في كل مرة.",
    solution: "حساسات اهتزاز لاسلكية ونموذج بسيط يرصد الانحراف عن السلوك الطبيعي ويرسل تنبيهاً.",
    outcomes: {
      costSavingsPercent: null,
      efficiencyGainPercent: 8,
      roiMonths: 8,
      metrics: [{ label: "Unplanned stops", value: -60, unit: "%" }],
    },
    vendor: { name: "SensoTech", website: null, contactName: null, email: null, phone: "+966 11 555 0177" },
    location: { city: "Riyadh", country: "SA", lat: 24.69, lng: 46.72 },
  },
];

/** A photo for a use case: a colour field with its title, as a JPEG. */
const photoOf = (uc: DemoUseCase) =>
  sharp({ create: { width: 960, height: 540, channels: 3, background: uc.photo } })
    .composite([
      {
        input: Buffer.from(
          `<svg width="960" height="540"><text x="48" y="500" font-size="36" fill="white" font-family="sans-serif">${(uc.title ?? "").replace(/[<&>]/g, "")}</text></svg>`,
        ),
      },
    ])
    .jpeg({ quality: 80 })
    .toBuffer();

/** Idempotent: a use case its author already has (same title) is left alone. */
async function seedUseCases(people: Map<Person, Member>): Promise<void> {
  let created = 0;
  for (const uc of useCases) {
    const { by, photo: _photo, ...fields } = uc;
    const author = people.get(by) as Member;
    const mine = await author.client.useCases.list.query({ q: fields.title, limit: 100 });
    if (mine.items.some((u) => u.title === fields.title && u.owner.id === author.userId)) continue;
    const draft = await author.client.useCases.createDraft.mutate(fields);
    const res = await fetch(`${url}/files?name=${encodeURIComponent("photo.jpg")}`, {
      method: "POST",
      headers: { authorization: `Bearer ${author.token}`, "content-type": "image/jpeg" },
      body: new Uint8Array(await photoOf(uc)),
    });
    if (res.status !== 201) throw new Error(`photo upload answered ${res.status}: ${await res.text()}`);
    const { id: fileId } = (await res.json()) as { id: string };
    await author.client.useCases.addMedia.mutate({ id: draft.id, fileId, caption: "On the line" });
    await author.client.useCases.publish.mutate({ id: draft.id });
    created++;
  }
  console.log(`  use cases: ${created} created, ${useCases.length - created} already there`);
  // One recently deleted draft, for the "recently deleted" list and its restore.
  const author = people.get(useCases[0]?.by as Person) as Member;
  const deletedTitle = "Early notes on the press line pilot";
  const deleted = await author.client.useCases.listDeleted.query({ limit: 100 });
  if (!deleted.items.some((u) => u.title === deletedTitle)) {
    const draft = await author.client.useCases.createDraft.mutate({ title: deletedTitle });
    await author.client.useCases.delete.mutate({ id: draft.id });
  }
}

// ---------------------------------------------------------------- tasks

const DAY = 24 * 60 * 60 * 1000;

/** A few tasks per person: due soon, overdue, done, and one linked to their use case or a conversation. */
const tasksOf = (person: Person): RouterInputs["tasks"]["create"][] => [
  {
    title: "Review this week's downtime report",
    dueAt: new Date(Date.now() + DAY),
    priority: "high",
    tags: ["maintenance"],
  },
  {
    title: "Send the supplier audit checklist",
    dueAt: new Date(Date.now() - DAY),
    priority: "medium",
    tags: ["quality"],
  },
  {
    title:
      person === "khalid" || person === "sara" ? "Approve the training budget" : "Book the forklift refresher course",
    priority: "low",
  },
  {
    title: "مراجعة خطة الصيانة الوقائية",
    dueAt: new Date(Date.now() + 7 * DAY),
    priority: "medium",
    tags: ["maintenance"],
  },
];

/** Idempotent: a person who has tasks already is left alone. */
async function seedTasks(people: Map<Person, Member>): Promise<void> {
  let created = 0;
  for (const [person, member] of people) {
    if ((await member.client.tasks.list.query({ limit: 1 })).items.length) continue;
    for (const task of tasksOf(person)) await member.client.tasks.create.mutate(task);
    const [first] = (await member.client.tasks.list.query({ sort: "created", order: "asc", limit: 1 })).items;
    if (first) await member.client.tasks.toggle.mutate({ id: first.id });
    created++;
  }
  console.log(`  tasks: for ${created} people, ${people.size - created} had some already`);
}

async function seedContent(): Promise<void> {
  const anonymous = createClient({ url });
  const people = new Map<Person, Member>();
  for (const [person, email] of Object.entries(emails) as [Person, string][]) {
    const { token, user } = await anonymous.auth.signIn.mutate({ email, password: DEMO_PASSWORD, tokenType: "bearer" });
    people.set(person, { client: createClient({ url, token }), userId: user.id, token: token as string });
  }
  try {
    await seedForums(people);
    await seedMessages(people);
    await seedUseCases(people);
    await seedTasks(people);
  } finally {
    // The seed's own sessions go again.
    for (const { client } of people.values()) await client.auth.signOut.mutate().catch(() => {});
  }
}

const info = await createClient({ url }).system.info.query();
console.log(`seeding ${url} (server ${info.version})`);
for (const org of orgs) await seedOrg(org);
await seedContent();
console.log(`demo password for every account: ${DEMO_PASSWORD}`);
