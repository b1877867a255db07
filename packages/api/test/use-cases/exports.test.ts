import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { invalidateUsers } from "@p2p/api";
import type { P2PClient, RouterInputs, RouterOutputs } from "@p2p/client";
import type { ExportProgressEvent, MyEvent } from "@p2p/schemas";
import { addMember, failure, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadToken, LINK_TTL_MS } from "../../src/modules/useCases/exports";
import { waitFor } from "../helpers";

/**
 * Exports of use cases through @p2p/client, opened in real readers: PDFs rendered with poppler
 * (pdftoppm, pdftotext, pdffonts; installed by scripts/lint-tools.sh), spreadsheets parsed back
 * with exceljs, the organization bundle unzipped with jszip.
 */

const run = promisify(execFile);
type Draft = RouterInputs["useCases"]["createDraft"];
type Detail = RouterOutputs["useCases"]["get"];

let server: TestServer;
let adminA: TestUser; // admin of org A
let author: TestUser; // member of org A
let outsider: TestUser; // admin of org B, verified
let unverified: TestUser; // member of org B whose email is not verified
let workdir: string;
const cleanups: (() => unknown)[] = [];
let seq = 0;

const complete = (over: Partial<Draft> = {}): Draft => ({
  title: `Predictive maintenance on extruders ${++seq}`,
  summary: "Vibration sensors and a simple model cut unplanned stops.",
  industry: "manufacturing",
  technologies: ["IoT", "Machine learning"],
  tags: ["maintenance", "exports"],
  problem: "Gearbox failures stopped line 3 twice a month.",
  solution: "Wireless vibration sensors on every gearbox feed an anomaly model.",
  outcomes: {
    costSavingsPercent: 18,
    efficiencyGainPercent: 12.5,
    roiMonths: 9,
    metrics: [
      { label: "Unplanned stops", value: -70, unit: "%" },
      { label: "Mean time between failures", value: 41, unit: "days" },
    ],
  },
  vendor: {
    name: "SensoTech",
    website: "https://sensotech.example",
    contactName: "Lina Haddad",
    email: "lina@sensotech.example",
    phone: "+966 11 555 0100",
  },
  location: { city: "Riyadh", country: "SA", lat: 24.7136, lng: 46.6753 },
  ...over,
});

const publishNew = async (user: TestUser, over: Partial<Draft> = {}) => {
  const draft = await user.client.useCases.createDraft.mutate(complete(over));
  return user.client.useCases.publish.mutate({ id: draft.id });
};

/** The `export.progress` events of a client's personal stream. */
function watchExports(client: P2PClient): ExportProgressEvent[] {
  const seen: ExportProgressEvent[] = [];
  const sub = client.me.onEvents.subscribe(
    {},
    {
      onData: (e) => {
        const data = (e as { data: MyEvent }).data;
        if (data.type === "export.progress") seen.push(data);
      },
    },
  );
  cleanups.push(() => sub.unsubscribe());
  return seen;
}

/** The download link on this test server (the links name the configured PUBLIC_URL). */
const local = (url: string) => `${server.url}${new URL(url).pathname}`;

/** Waits for the export to end and downloads it. */
async function finished(user: TestUser, exportId: string, timeoutMs = 30_000) {
  const status = await waitFor(async () => {
    const s = await user.client.useCases.exportStatus.query({ exportId });
    return s.status !== "running" && s;
  }, timeoutMs);
  expect(status).toMatchObject({ status: "ready", percent: 100, error: null });
  const res = await fetch(local(status.url as string));
  expect(res.status).toBe(200);
  return { status, res, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function pdfText(pdf: Buffer): Promise<string> {
  const file = join(workdir, `t-${++seq}.pdf`);
  await writeFile(file, pdf);
  return (await run("pdftotext", ["-layout", file, "-"])).stdout;
}

/** Renders the first page with pdftoppm and answers how much of it is not white (0–1). */
async function inkOnFirstPage(pdf: Buffer): Promise<number> {
  const file = join(workdir, `p-${++seq}.pdf`);
  await writeFile(file, pdf);
  await run("pdftoppm", ["-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", file, file]);
  const { data, info } = await sharp(await readFile(`${file}.png`))
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let dark = 0;
  for (const v of data) if (v < 200) dark++;
  return dark / (info.width * info.height);
}

async function upload(user: TestUser, bytes: Buffer, type: string, name: string): Promise<string> {
  const res = await fetch(`${server.url}/files?name=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { "content-type": type, authorization: `Bearer ${user.token}` },
    body: new Uint8Array(bytes),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** The rows of a sheet as objects keyed by its header. */
function rowsOf(sheet: ExcelJS.Worksheet): Record<string, unknown>[] {
  const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
  const rows: Record<string, unknown>[] = [];
  sheet.eachRow((row, n) => {
    if (n === 1) return;
    const values = (row.values as unknown[]).slice(1);
    rows.push(Object.fromEntries(header.map((h, i) => [h, values[i] ?? null])));
  });
  return rows;
}

beforeAll(async () => {
  await run("pdftoppm", ["-v"]).catch(() => {
    throw new Error("pdftoppm not found: run bash scripts/lint-tools.sh (installs Debian's poppler-utils)");
  });
  server = await startTestServer();
  adminA = await signUpAdmin(server, { organization: { name: "Gulf Extrusion Export Co" } });
  author = await addMember(server, adminA);
  outsider = await signUpAdmin(server, { organization: { name: "Eastern Plastics" } });
  unverified = await addMember(server, outsider);
  await server.deps.db
    .updateTable("users")
    .set({ emailVerifiedAt: null })
    .where("id", "=", unverified.userId)
    .execute();
  await invalidateUsers(server.deps.events, [unverified.userId]);
  const headers = new Headers({ authorization: `Bearer ${unverified.token}` });
  await waitFor(
    async () =>
      (await server.deps.authenticator.authenticate({ headers, transport: "http" })).principal?.emailVerified === false,
  );
  workdir = await mkdtemp(join(tmpdir(), "exports-test-"));
});
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await server?.close();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe("PDF of a use case", () => {
  it("renders a professional layout with pictures; progress on the personal stream; vendor contact only for the verified", async () => {
    const photo = await sharp({
      create: { width: 900, height: 600, channels: 3, background: { r: 20, g: 110, b: 80 } },
    })
      .png()
      .toBuffer();
    const uc = await publishNew(author);
    const fileId = await upload(author, photo, "image/png", "line3.png");
    await author.client.useCases.addMedia.mutate({ id: uc.id, fileId, caption: "Sensors on the gearbox of line 3" });
    await waitFor(
      async () => (await author.client.useCases.get.query({ id: uc.id })).media[0]?.status === "ready",
      20_000,
    );

    const events = watchExports(outsider.client);
    await new Promise((r) => setTimeout(r, 200)); // the subscription is attached
    const { exportId } = await outsider.client.useCases.exportPdf.mutate({ id: uc.id });
    const { res, bytes } = await finished(outsider, exportId);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="predictive-maintenance-on-extruders-\d+-[0-9a-f]{8}\.pdf"/,
    );
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");

    // Progress arrives on the caller's stream, ending with the link.
    const mine = await waitFor(
      () =>
        events.find((e) => e.exportId === exportId && e.status === "ready") &&
        events.filter((e) => e.exportId === exportId),
    );
    expect(mine[0]).toMatchObject({ status: "running" });
    expect(mine.at(-1)).toMatchObject({
      status: "ready",
      percent: 100,
      url: expect.stringMatching(/\/exports\//),
      error: null,
    });
    expect(mine.map((e) => e.percent)).toEqual([...mine.map((e) => e.percent)].sort((a, b) => a - b));

    expect(await inkOnFirstPage(bytes)).toBeGreaterThan(0.01);
    const text = await pdfText(bytes);
    for (const expected of [
      uc.title,
      "Gulf Extrusion Export Co",
      "Gearbox failures stopped line 3 twice a month.",
      "Outcomes",
      "Cost savings",
      "18 %",
      "12.5 %",
      "9 months",
      "Unplanned stops",
      "-70 %",
      "Mean time between failures",
      "Sensors on the gearbox of line 3",
      "SensoTech",
      "lina@sensotech.example",
      "+966 11 555 0100",
      "Lina Haddad",
    ]) {
      expect(text).toContain(expected);
    }
    // The picture is in the PDF (an image XObject).
    expect(bytes.toString("latin1")).toMatch(/\/Subtype \/Image/);

    // An unverified caller's PDF has the vendor's name but not its contact.
    const hidden = await unverified.client.useCases.exportPdf.mutate({ id: uc.id });
    const hiddenText = await pdfText((await finished(unverified, hidden.exportId)).bytes);
    expect(hiddenText).toContain("SensoTech");
    expect(hiddenText).toContain("verified email");
    for (const secret of ["lina@sensotech.example", "555 0100", "Lina Haddad"])
      expect(hiddenText).not.toContain(secret);
  });

  it("writes Arabic with a font that has its glyphs", async () => {
    const uc = await publishNew(author, {
      title: "الصِّيانة التنبؤية لخطوط البثق",
      summary: "أجهزة استشعار الاهتزاز قللت التوقفات غير المخطط لها بنسبة 70٪ in line 3، وخفضت الهدر ٢٠٪ في ١٢٣ يوما.",
    });
    const { exportId } = await author.client.useCases.exportPdf.mutate({ id: uc.id });
    const { res, bytes } = await finished(author, exportId);
    // The file is named after the title, its vowel marks kept in their word (not turned into dashes).
    const named = res.headers.get("content-disposition")?.match(/filename\*=UTF-8''(\S+)/)?.[1] ?? "";
    expect(decodeURIComponent(named)).toMatch(/^الصِّيانة-التنبؤية-لخطوط-البثق-/);
    const file = join(workdir, "arabic.pdf");
    await writeFile(file, bytes);
    const fonts = (await run("pdffonts", [file])).stdout;
    expect(fonts).toMatch(/NotoSansArabic/i);
    expect(fonts).toMatch(/NotoSans-/i);
    expect(await inkOnFirstPage(bytes)).toBeGreaterThan(0.01);
    // Arabic-Indic numbers read in their order (they came out reversed: ٠٢ for ٢٠).
    const text = await pdfText(bytes);
    expect(text).toContain("٢٠");
    expect(text).toContain("١٢٣");
    expect(text).not.toContain("٣٢١");
  });

  it("keeps the pictures in the use case's order, however long each takes to convert", async () => {
    // The first picture is the slowest to convert (large and noisy), the last the quickest.
    const pictures = [
      { width: 2000, height: 1500, caption: "First: the whole line" },
      { width: 1000, height: 700, caption: "Second: the gearbox" },
      { width: 300, height: 200, caption: "Third: the sensor" },
    ];
    const uc = await publishNew(author);
    for (const p of pictures) {
      const bytes = await sharp({
        create: {
          width: p.width,
          height: p.height,
          channels: 3,
          background: "#808080",
          noise: { type: "gaussian", mean: 128, sigma: 40 },
        },
      })
        .jpeg({ quality: 85 })
        .toBuffer();
      const fileId = await upload(author, bytes, "image/jpeg", `${p.width}.jpg`);
      await author.client.useCases.addMedia.mutate({ id: uc.id, fileId, caption: p.caption });
    }
    await waitFor(async () => {
      const { media } = await author.client.useCases.get.query({ id: uc.id });
      return media.length === 3 && media.every((m) => m.status === "ready");
    }, 30_000);

    const { exportId } = await author.client.useCases.exportPdf.mutate({ id: uc.id });
    const text = await pdfText((await finished(author, exportId)).bytes);
    const at = pictures.map((p) => text.indexOf(p.caption));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
  });

  it("answers NOT_FOUND for a draft of another organization, and the link cannot be forged or outlive 15 minutes", async () => {
    const draft = await author.client.useCases.createDraft.mutate(complete());
    expect(await failure(outsider.client.useCases.exportPdf.mutate({ id: draft.id }))).toMatchObject({
      appCode: "NOT_FOUND",
    });
    // Their org admin may export it.
    const { exportId } = await adminA.client.useCases.exportPdf.mutate({ id: draft.id });
    const { status } = await finished(adminA, exportId);
    const url = new URL(status.url as string);
    const token = url.pathname.split("/").pop() as string;

    // Someone else's export is not theirs to see.
    expect(await failure(outsider.client.useCases.exportStatus.query({ exportId }))).toMatchObject({
      appCode: "NOT_FOUND",
    });
    expect(await failure(author.client.useCases.exportStatus.query({ exportId }))).toMatchObject({
      appCode: "NOT_FOUND",
    });

    const refused = async (t: string) => {
      const res = await fetch(`${server.url}/exports/${t}`);
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
    };
    const [id, expires, sig] = token.split(".") as [string, string, string];
    // Forged: a later expiry with the old signature, another signature, garbage.
    expect(await refused(`${id}.${Number(expires) + 3600}.${sig}`)).toMatchObject({
      status: 403,
      body: { error: { code: "FORBIDDEN" } },
    });
    expect(await refused(`${id}.${expires}.${sig.slice(0, -2)}AA`)).toMatchObject({
      status: 403,
      body: { error: { code: "FORBIDDEN" } },
    });
    expect(await refused("not-a-token")).toMatchObject({ status: 403, body: { error: { code: "FORBIDDEN" } } });
    // Expired: a genuine token made 15 minutes and a second ago.
    const old = downloadToken(server.deps, exportId, Date.now() - LINK_TTL_MS - 1_000);
    expect(await refused(old)).toMatchObject({
      status: 403,
      body: { error: { code: "FORBIDDEN", message: expect.stringMatching(/expired/) } },
    });
    // A genuine token for an export that does not exist.
    expect(await refused(downloadToken(server.deps, "0190d0c0-0000-7000-8000-000000000000"))).toMatchObject({
      status: 404,
      body: { error: { code: "NOT_FOUND" } },
    });
    // The link itself still works, without signing in.
    expect((await fetch(`${server.url}/exports/${token}`)).status).toBe(200);
    // Asking again gives a fresh link.
    expect((await adminA.client.useCases.exportStatus.query({ exportId })).url).toMatch(/\/exports\//);
  });
});

describe("spreadsheet", () => {
  const expectedRow = (d: Detail) => ({
    ID: d.id,
    Status: d.status,
    Title: d.title,
    Summary: d.summary,
    Industry: d.industry,
    Technologies: d.technologies.join("; "),
    Tags: d.tags.join("; "),
    Problem: d.problem,
    Solution: d.solution,
    City: d.city,
    Country: d.country,
    Latitude: d.location?.lat ?? null,
    Longitude: d.location?.lng ?? null,
    "Organization ID": d.organization.id,
    Organization: d.organization.name,
    "Owner ID": d.owner.id,
    Owner: `${d.owner.firstName} ${d.owner.lastName}`,
    "Cost savings %": d.outcomes?.costSavingsPercent ?? null,
    "Efficiency gain %": d.outcomes?.efficiencyGainPercent ?? null,
    "ROI months": d.outcomes?.roiMonths ?? null,
    Vendor: d.vendor?.name ?? null,
    "Vendor website": d.vendor?.website ?? null,
    "Vendor contact": d.vendor?.contactName ?? null,
    "Vendor email": d.vendor?.email ?? null,
    "Vendor phone": d.vendor?.phone ?? null,
    "Vendor contact hidden": d.vendorContactHidden,
    Views: d.viewCount,
    "Published at": d.publishedAt,
    "Updated at": d.updatedAt,
    "Archived reason": d.archivedReason,
  });

  it("holds every field of every matching use case, as the caller may see them", async () => {
    const tag = `sheet-${Date.now()}`;
    const a = await publishNew(author, {
      tags: [tag],
      outcomes: { costSavingsPercent: 5, efficiencyGainPercent: null, roiMonths: null, metrics: [] },
    });
    const b = await publishNew(outsider, {
      tags: [tag],
      vendor: null,
      location: { city: "Jeddah", country: "SA", lat: 21.4858, lng: 39.1925 },
    });
    const c = await publishNew(author, { tags: [tag], industry: "logistics" });
    const draft = await author.client.useCases.createDraft.mutate(complete({ tags: [tag] }));
    // Both readers view each one first (a view counts once per reader and day) and the counts
    // settle, so the comparisons below, through `get`, change no count.
    for (const reader of [outsider, unverified]) {
      for (const uc of [a, b, c]) await reader.client.useCases.get.query({ id: uc.id });
    }
    await waitFor(async () => {
      const { items } = await outsider.client.useCases.list.query({ tags: [tag] });
      return items.length === 3 && items.every((i) => i.viewCount === 2);
    }, 20_000);

    const { exportId } = await outsider.client.useCases.exportSpreadsheet.mutate({
      tags: [tag],
      industry: "manufacturing",
    });
    const { res, bytes } = await finished(outsider, exportId);
    expect(res.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="use-cases-\d{4}-\d{2}-\d{2}\.xlsx"/);

    const book = new ExcelJS.Workbook();
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
    const cases = rowsOf(book.getWorksheet("Use cases") as ExcelJS.Worksheet);
    // Filters applied (c is logistics), the other organization's draft absent; newest first, as the list.
    const listed = await outsider.client.useCases.list.query({ tags: [tag], industry: "manufacturing" });
    expect(listed.items.map((i) => i.id)).toEqual([b.id, a.id]);
    expect(cases.map((r) => r.ID)).toEqual([b.id, a.id]);
    expect(cases.map((r) => r.ID)).not.toContain(c.id);
    expect(cases.map((r) => r.ID)).not.toContain(draft.id);
    for (const row of cases) {
      const detail = await outsider.client.useCases.get.query({ id: row.ID as string });
      expect(row).toEqual(expectedRow(detail));
    }

    const metrics = rowsOf(book.getWorksheet("Metrics") as ExcelJS.Worksheet);
    const detailB = await outsider.client.useCases.get.query({ id: b.id });
    expect(metrics).toEqual(
      (detailB.outcomes?.metrics ?? []).map((m) => ({
        "Use case ID": b.id,
        Metric: m.label,
        Value: m.value,
        Unit: m.unit,
      })),
    );
    expect(rowsOf(book.getWorksheet("Media") as ExcelJS.Worksheet)).toEqual([]);

    // An unverified caller's spreadsheet has no vendor contact.
    const hidden = await unverified.client.useCases.exportSpreadsheet.mutate({ tags: [tag] });
    const book2 = new ExcelJS.Workbook();
    await book2.xlsx.load((await finished(unverified, hidden.exportId)).bytes as unknown as ArrayBuffer);
    const rows2 = rowsOf(book2.getWorksheet("Use cases") as ExcelJS.Worksheet);
    expect(rows2.map((r) => r.ID).sort()).toEqual([a.id, b.id, c.id].sort());
    for (const row of rows2) {
      expect(row).toEqual(expectedRow(await unverified.client.useCases.get.query({ id: row.ID as string })));
      expect(row["Vendor email"]).toBeNull();
    }
    expect(rows2.find((r) => r.ID === a.id)).toMatchObject({ "Vendor contact hidden": true, Vendor: "SensoTech" });
  });

  it("refuses bad filters naming the field", async () => {
    expect(
      (await failure(author.client.useCases.exportSpreadsheet.mutate({ lat: 24 } as never))).fields.length,
    ).toBeGreaterThan(0);
    expect(
      await failure(author.client.useCases.exportSpreadsheet.mutate({ industry: "farming" as never })),
    ).toMatchObject({
      appCode: "BAD_REQUEST",
      fields: ["industry"],
    });
  });
});

describe("organization bundle", () => {
  it("zips one PDF per use case of the organization, drafts included, and the spreadsheet; admins only", async () => {
    const org = await signUpAdmin(server, { organization: { name: "Bundle Steel" } });
    const member = await addMember(server, org);
    const published = await publishNew(member);
    const draft = await member.client.useCases.createDraft.mutate({ title: "A draft only the org sees" });
    const ownDraft = await org.client.useCases.createDraft.mutate(complete());
    await publishNew(outsider); // another organization's: not in the bundle

    expect(await failure(member.client.useCases.exportOrganization.mutate())).toMatchObject({ appCode: "FORBIDDEN" });
    const events = watchExports(org.client);
    await new Promise((r) => setTimeout(r, 200));
    const { exportId } = await org.client.useCases.exportOrganization.mutate();
    const { res, bytes } = await finished(org, exportId);
    expect(res.headers.get("content-type")).toBe("application/zip");
    await waitFor(() => events.some((e) => e.exportId === exportId && e.status === "ready"));

    const zip = await JSZip.loadAsync(bytes);
    const names = Object.keys(zip.files)
      .filter((n) => !zip.files[n]?.dir)
      .sort();
    const pdfs = names.filter((n) => n.endsWith(".pdf"));
    expect(pdfs).toHaveLength(3);
    expect(names).toContain("use-cases.xlsx");
    expect(names).toHaveLength(4);
    for (const uc of [published, draft, ownDraft])
      expect(pdfs.some((n) => n.endsWith(`-${uc.id.slice(-8)}.pdf`))).toBe(true);
    for (const name of pdfs) {
      const pdf = await (zip.file(name) as JSZip.JSZipObject).async("nodebuffer");
      expect(await inkOnFirstPage(pdf)).toBeGreaterThan(0.005);
      expect(await pdfText(pdf)).toContain("Bundle Steel");
    }
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(
      (await (zip.file("use-cases.xlsx") as JSZip.JSZipObject).async("nodebuffer")) as unknown as ArrayBuffer,
    );
    const ids = rowsOf(book.getWorksheet("Use cases") as ExcelJS.Worksheet).map((r) => r.ID);
    expect(ids.sort()).toEqual([published.id, draft.id, ownDraft.id].sort());
  });
});

describe("organization bundle, past its size", () => {
  it("fails with how many use cases it holds at most and what to export instead", async () => {
    // A server whose bundle holds 2 use cases, so the limit is reached without hundreds of them.
    const small = await startTestServer({ env: { EXPORT_BUNDLE_MAX_USE_CASES: "2" } });
    cleanups.push(() => small.close());
    const org = await signUpAdmin(small, { organization: { name: "Small Bundle Works" } });
    for (const title of ["First draft", "Second draft"]) await org.client.useCases.createDraft.mutate({ title });
    const exported = async () => {
      const { exportId } = await org.client.useCases.exportOrganization.mutate();
      return waitFor(async () => {
        const s = await org.client.useCases.exportStatus.query({ exportId });
        return s.status !== "running" && s;
      }, 30_000);
    };
    // As many as it holds: the bundle is made.
    expect(await exported()).toMatchObject({ status: "ready", error: null });

    // One more, in another status: the export fails saying so (and not "narrow the filters").
    await publishNew(org);
    const failed = await exported();
    expect(failed).toMatchObject({ status: "failed", url: null });
    expect(failed.error).toMatch(/^An organization export holds at most 2 use cases, and yours has more\./);
    expect(failed.error).toMatch(/spreadsheets instead, one per status \(draft, published, archived/);
    expect(failed.error).not.toMatch(/narrow the filters/);
  });
});
