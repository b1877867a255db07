import {
  png as pngFile,
  signInWithCookie,
  signUpAdmin,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invalidateUsers } from "../src/infra/auth/authenticator";

const png = pngFile();
const pdf = Buffer.from("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");

/** The tRPC app error code of a failed call ("ok" when it succeeded). */
const appCodeOf = (call: Promise<unknown>) =>
  call.then(
    () => "ok",
    (err: { data?: { appCode?: string } }) => err.data?.appCode,
  );

describe.each(["local", "s3"] as const)("files on %s storage", (driver) => {
  let server: TestServer;
  let admin: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ env: { STORAGE_DRIVER: driver, MAX_UPLOAD_BYTES: "2048" } });
    admin = await signUpAdmin(server);
    expect(server.deps.storage.driver).toBe(driver);
  });
  afterAll(() => server?.close());

  interface UploadOptions {
    type?: string;
    /** null: no ?name= (the X-File-Name header may carry it). */
    name?: string | null;
    key?: string;
    headers?: Record<string, string>;
  }
  const upload = (user: TestUser | null, body: RequestInit["body"], o: UploadOptions = {}) =>
    fetch(`${server.url}/files${o.name === null ? "" : `?name=${encodeURIComponent(o.name ?? "pixel.png")}`}`, {
      method: "POST",
      headers: {
        "content-type": o.type ?? "image/png",
        ...(user ? { authorization: `Bearer ${user.token}` } : {}),
        ...(o.key ? { "idempotency-key": o.key } : {}),
        ...o.headers,
      },
      body,
      duplex: "half",
    });
  const uploaded = async (user: TestUser, body: RequestInit["body"], o?: UploadOptions) => {
    const res = await upload(user, body, o);
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; name: string; contentType: string; size: number; url: string };
  };
  const download = (user: TestUser | null, id: string) =>
    fetch(`${server.url}/files/${id}`, { headers: user ? { authorization: `Bearer ${user.token}` } : {} });
  const rowsOf = (user: TestUser) =>
    server.deps.db.selectFrom("files").selectAll().where("ownerId", "=", user.userId).execute();

  /** A second user moved into `admin`'s organization as a plain member. */
  async function memberOf(org: TestUser): Promise<TestUser> {
    const user = await signUpAdmin(server);
    await server.deps.db
      .updateTable("users")
      .set({ organizationId: org.organizationId, role: "member" })
      .where("id", "=", user.userId)
      .execute();
    await invalidateUsers(server.deps.events, [user.userId]);
    return { ...user, organizationId: org.organizationId };
  }

  it("stores a PNG and streams the same bytes back with safe headers", async () => {
    const meta = await uploaded(admin, png);
    expect(meta).toMatchObject({ name: "pixel.png", contentType: "image/png", size: png.length });
    expect(meta.url).toMatch(new RegExp(`/files/${meta.id}$`));

    const res = await download(admin, meta.id);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(png);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-length")).toBe(String(png.length));
    expect(res.headers.get("content-disposition")).toBe(`inline; filename="pixel.png"; filename*=UTF-8''pixel.png`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toMatch(/^private/);

    const [row] = await rowsOf(admin);
    expect(row).toMatchObject({
      organizationId: admin.organizationId,
      storageKey: `org/${admin.organizationId}/${meta.id}`,
    });
    expect(row?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("serves a range of the bytes (a video seeked), and revalidates by ETag instead of caching for a day", async () => {
    const meta = await uploaded(admin, png);
    const get = (headers: Record<string, string>) =>
      fetch(`${server.url}/files/${meta.id}`, { headers: { authorization: `Bearer ${admin.token}`, ...headers } });
    const part = await get({ range: "bytes=2-5" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 2-5/${png.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(png.subarray(2, 6));
    const tail = await get({ range: "bytes=-4" });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(png.subarray(png.length - 4));
    const outside = await get({ range: `bytes=${png.length}-` });
    expect(outside.status).toBe(416);
    expect(outside.headers.get("content-range")).toBe(`bytes */${png.length}`);
    const whole = await get({});
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(whole.headers.get("cache-control")).toBe("private, no-cache");
    const etag = whole.headers.get("etag") as string;
    expect((await get({ "if-none-match": etag })).status).toBe(304);
    const stranger = await signUpAdmin(server);
    expect((await download(stranger, meta.id)).status).toBe(404); // checked on every request, 304s too
    expect(
      (
        await fetch(`${server.url}/files/${meta.id}`, {
          headers: { authorization: `Bearer ${stranger.token}`, "if-none-match": etag },
        })
      ).status,
    ).toBe(404);
  });

  it("takes the name from X-File-Name, serves PDFs inline and other documents as attachments", async () => {
    const name = "تقرير (1).pdf";
    const meta = await uploaded(admin, pdf, {
      type: "application/pdf",
      name: null,
      headers: { "x-file-name": encodeURIComponent(name) },
    });
    expect(meta.name).toBe(name);
    const res = await download(admin, meta.id);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(pdf);
    expect(res.headers.get("content-disposition")).toBe(
      `inline; filename="_____ (1).pdf"; filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1%20%281%29.pdf`,
    );

    const csv = await uploaded(admin, "a,b\n1,2\n", { type: "text/csv; charset=utf-8", name: "data.csv" });
    const csvRes = await download(admin, csv.id);
    expect(csvRes.headers.get("content-type")).toBe("text/csv");
    expect(csvRes.headers.get("content-disposition")).toMatch(/^attachment; filename="data.csv"/);
  });

  it("lets the uploader read an unattached file, anyone else gets 404, anonymous callers 401", async () => {
    const meta = await uploaded(admin, png);
    expect(await admin.client.files.get.query({ id: meta.id })).toMatchObject({ id: meta.id, size: png.length });
    // Who else may read a file follows the content holding it: test/security/content.test.ts.
    for (const other of [await signUpAdmin(server), await memberOf(admin)]) {
      const res = await download(other, meta.id);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
      expect(await appCodeOf(other.client.files.get.query({ id: meta.id }))).toBe("NOT_FOUND");
    }

    const anonymous = await download(null, meta.id);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    const anonymousUpload = await upload(null, png);
    expect(anonymousUpload.status).toBe(401);
  });

  it("answers unknown and malformed ids with a JSON 404", async () => {
    for (const id of [crypto.randomUUID(), "not-an-id"]) {
      const res = await download(admin, id);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
    }
    expect(await appCodeOf(admin.client.files.get.query({ id: crypto.randomUUID() }))).toBe("NOT_FOUND");
  });

  it("refuses a file over MAX_UPLOAD_BYTES with 413, declared or streamed, and writes nothing", async () => {
    const user = await signUpAdmin(server);
    const declared = await upload(user, Buffer.alloc(4096));
    expect(declared.status).toBe(413);
    expect(declared.headers.get("connection")).toBe("close");
    expect(await declared.json()).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });

    // No Content-Length: the limit is enforced while the chunks arrive.
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 3; i++) controller.enqueue(new Uint8Array(1024));
        controller.close();
      },
    });
    const streamed = await upload(user, chunks);
    expect(streamed.status).toBe(413);
    expect(await rowsOf(user)).toHaveLength(0);
  });

  it("refuses disallowed types and content that does not match its declared type with 415", async () => {
    const user = await signUpAdmin(server);
    const html = await upload(user, "<html><script>alert(1)</script></html>", { type: "text/html", name: "x.html" });
    expect(html.status).toBe(415);
    expect(await html.json()).toMatchObject({ error: { code: "UNSUPPORTED_MEDIA_TYPE" } });

    const fakePng = await upload(user, "<html><script>alert(1)</script></html>");
    expect(fakePng.status).toBe(415);
    expect(await fakePng.json()).toMatchObject({ error: { code: "UNSUPPORTED_MEDIA_TYPE" } });
    expect((await upload(user, png, { type: "application/pdf", name: "x.pdf" })).status).toBe(415);
    expect((await upload(user, png, { type: "text/plain", name: "x.txt" })).status).toBe(415);
    expect(await rowsOf(user)).toHaveLength(0);
  });

  it("refuses a missing or unsafe file name with 400", async () => {
    for (const name of [null, "", "../etc/passwd", "a\r\nb.png"]) {
      const res = await upload(admin, png, { name });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "BAD_REQUEST" } });
    }
  });

  it("strips bidi controls from file names, so a name cannot disguise its extension", async () => {
    // U+202E (right-to-left override) shows "invoice\u202Egnp.exe" as "invoiceexe.png".
    const spoof = await uploaded(admin, png, { name: "invoice\u202Egnp.exe" });
    expect(spoof.name).toBe("invoicegnp.exe");
    const all = "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069";
    const mixed = await uploaded(admin, png, { name: `${all}تقرير${all}.png` });
    expect(mixed.name).toBe("تقرير.png");
    expect((await download(admin, mixed.id)).headers.get("content-disposition")).toBe(
      `inline; filename="_____.png"; filename*=UTF-8''${encodeURIComponent("تقرير")}.png`,
    );
    // Nothing but controls is no name at all.
    expect((await upload(admin, png, { name: "\u202E\u2066" })).status).toBe(400);
  });

  it("makes retries with the same Idempotency-Key return the first file, stored once", async () => {
    const user = await signUpAdmin(server);
    const key = crypto.randomUUID();
    const first = await upload(user, png, { key });
    expect(first.status).toBe(201);
    const retry = await upload(user, png, { key });
    expect(retry.status).toBe(200);
    const idOf = async (res: Response) => ((await res.json()) as { id: string }).id;
    expect(await idOf(retry)).toBe(await idOf(first));
    expect(await rowsOf(user)).toHaveLength(1);

    // Two attempts racing with a new key still end with one file.
    const raceKey = crypto.randomUUID();
    const racing = await Promise.all([upload(user, png, { key: raceKey }), upload(user, png, { key: raceKey })]);
    expect(racing.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(new Set(await Promise.all(racing.map(idOf))).size).toBe(1);
    expect(await rowsOf(user)).toHaveLength(2);

    // The key is per owner: another user's upload with it is a new file.
    const other = await signUpAdmin(server);
    expect((await upload(other, png, { key })).status).toBe(201);
    // The key's rules are every retriable create's: 8–64 letters, digits, - or _.
    for (const bad of ["abc", "abc def ghi", "x".repeat(65)]) {
      expect((await upload(user, png, { key: bad })).status).toBe(400);
    }
  });

  it("refuses an Idempotency-Key used for another upload (name, type or bytes) with CONFLICT, storing nothing", async () => {
    const user = await signUpAdmin(server);
    const key = crypto.randomUUID();
    const first = await uploaded(user, png, { key });
    for (const [body, options] of [
      [png, { key, name: "other-name.png" }],
      [pngFile({ width: 2 }), { key }],
      [pdf, { key, type: "application/pdf" }],
    ] as const) {
      const res = await upload(user, body, options);
      expect(res.status).toBe(409);
      const { error } = (await res.json()) as {
        error: { code: string; message: string; details?: { idempotencyKey?: string } };
      };
      expect(error.code).toBe("CONFLICT");
      expect(error.message).toContain(`"${key}" was already used for a different request`);
      expect(error.details?.idempotencyKey).toBe(key);
    }
    expect((await rowsOf(user)).map((r) => r.id)).toEqual([first.id]);
  });

  it("requires the anti-CSRF header from cookie sessions", async () => {
    const { cookie, body } = await signInWithCookie(server, admin.email, admin.password);
    expect((await upload(null, png, { headers: { cookie } })).status).toBe(403);
    expect((await upload(null, png, { headers: { cookie, "x-csrf-token": String(body.csrfToken) } })).status).toBe(201);
  });

  it("lets only the owner delete a file, and removes its bytes", async () => {
    const meta = await uploaded(admin, png);
    const stranger = await signUpAdmin(server);
    const colleague = await memberOf(admin);
    expect(await appCodeOf(stranger.client.files.delete.mutate({ id: meta.id }))).toBe("NOT_FOUND");
    expect(await appCodeOf(colleague.client.files.delete.mutate({ id: meta.id }))).toBe("NOT_FOUND");

    expect(await admin.client.files.delete.mutate({ id: meta.id })).toEqual({ ok: true });
    expect((await download(admin, meta.id)).status).toBe(404);
    expect(await server.deps.storage.get(`org/${admin.organizationId}/${meta.id}`)).toBeNull();
    expect(await appCodeOf(admin.client.files.delete.mutate({ id: meta.id }))).toBe("NOT_FOUND");
  });

  it("keeps a file a live post or message shows: deleting it answers CONFLICT until they are deleted", async () => {
    const peer = await signUpAdmin(server);
    const note = await uploaded(admin, png, { name: "only-an-attachment.png" });
    const message = await admin.client.messages.send.mutate({
      recipientId: peer.userId,
      body: "",
      attachmentIds: [note.id],
      clientMessageId: `files-${crypto.randomUUID()}`,
    });
    expect(await appCodeOf(admin.client.files.delete.mutate({ id: note.id }))).toBe("CONFLICT");
    expect((await download(peer, note.id)).status).toBe(200);
    await admin.client.messages.delete.mutate({ id: message.id, forEveryone: true });
    expect(await admin.client.files.delete.mutate({ id: note.id })).toEqual({ ok: true });

    const [category] = await admin.client.forums.listCategories.query();
    const drawing = await uploaded(admin, png, { name: "drawing.png" });
    const topic = await admin.client.forums.createTopic.mutate({
      title: "Which gasket fits this flange?",
      categoryId: category?.id as string,
      body: "<p>See the drawing.</p>",
      visibility: "organization",
    });
    const reply = await admin.client.forums.createPost.mutate({
      topicId: topic.id,
      body: "<p>Here it is.</p>",
      attachmentIds: [drawing.id],
    });
    expect(await appCodeOf(admin.client.files.delete.mutate({ id: drawing.id }))).toBe("CONFLICT");
    await admin.client.forums.deletePost.mutate({ postId: reply.id });
    expect(await admin.client.files.delete.mutate({ id: drawing.id })).toEqual({ ok: true });
  });

  describe("organization logo", () => {
    const setLogo = (user: TestUser, fileId: string | null) => user.client.organizations.setLogo.mutate({ fileId });

    it("sets and clears the admin's own image, audited, and blocks deleting it meanwhile", async () => {
      const logo = await uploaded(admin, png, { name: "logo.png" });
      expect((await setLogo(admin, logo.id)).logoFileId).toBe(logo.id);
      expect(await appCodeOf(admin.client.files.delete.mutate({ id: logo.id }))).toBe("CONFLICT");

      expect((await setLogo(admin, null)).logoFileId).toBeNull();
      expect(await admin.client.files.delete.mutate({ id: logo.id })).toEqual({ ok: true });
      const audit = await server.deps.db
        .selectFrom("auditLog")
        .select(["action", "actorId"])
        .where("organizationId", "=", admin.organizationId)
        .where("action", "=", "organizations.setLogo")
        .execute();
      expect(audit).toEqual([
        { action: "organizations.setLogo", actorId: admin.userId },
        { action: "organizations.setLogo", actorId: admin.userId },
      ]);
    });

    it("refuses a non-image, an oversized image, and another organization's file", async () => {
      const doc = await uploaded(admin, pdf, { type: "application/pdf", name: "a.pdf" });
      expect(await appCodeOf(setLogo(admin, doc.id))).toBe("BAD_REQUEST");

      // Larger than the 2 MiB logo limit (this server's upload limit is lower, so the row is made directly).
      const big = crypto.randomUUID();
      await server.deps.db
        .insertInto("files")
        .values({
          id: big,
          organizationId: admin.organizationId,
          ownerId: admin.userId,
          name: "big.png",
          contentType: "image/png",
          size: 3 * 1024 * 1024,
          sha256: "0".repeat(64),
          storageKey: `org/${admin.organizationId}/${big}`,
          idempotencyKey: null,
        })
        .execute();
      expect(await appCodeOf(setLogo(admin, big))).toBe("BAD_REQUEST");

      const other = await signUpAdmin(server);
      const foreign = await uploaded(other, png);
      // Another organization's unattached upload is invisible to this admin: the same answer as a missing file.
      expect(await appCodeOf(setLogo(admin, foreign.id))).toBe("NOT_FOUND");
      expect(await appCodeOf(setLogo(admin, crypto.randomUUID()))).toBe("NOT_FOUND");
      expect((await admin.client.organizations.current.query()).logoFileId).toBeNull();
    });

    it("never a member's private upload: the logo would show it to everyone", async () => {
      const colleague = await memberOf(admin);
      const scan = await uploaded(colleague, png, { name: "id-scan.png" });
      expect(await appCodeOf(setLogo(admin, scan.id))).toBe("NOT_FOUND");
      expect((await admin.client.organizations.current.query()).logoFileId).toBeNull();
      expect((await download(admin, scan.id)).status).toBe(404);
    });

    it("is for organization admins only", async () => {
      const member = await memberOf(admin);
      const logo = await uploaded(member, png);
      expect(await appCodeOf(setLogo(member, logo.id))).toBe("FORBIDDEN");
    });
  });
});
