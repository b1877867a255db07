import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { P2PClient } from "@p2p/client";
import type { MediaAsset, MyEvent } from "@p2p/schemas";
import { countRows, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../src/lib/errors";
import { mediaJobs } from "../src/modules/media/jobs";
import { derivedSources, discardMedia, mediaOf, requestProcessing } from "../src/modules/media/service";
import { waitFor } from "./helpers";

/** The media pipeline on real files: sharp-made images and an ffmpeg-made video in, WebP variants out. */

const MAX_VIDEO_BYTES = 30_000;
let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let workdir: string;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  server = await startTestServer({ env: { MAX_VIDEO_BYTES: String(MAX_VIDEO_BYTES) } });
  alice = await signUpAdmin(server);
  bob = await signUpAdmin(server);
  workdir = await mkdtemp(join(tmpdir(), "media-test-"));
});
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await server?.close();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

async function upload(user: TestUser, bytes: Buffer, type: string, name: string): Promise<string> {
  const res = await fetch(`${server.url}/files?name=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { "content-type": type, authorization: `Bearer ${user.token}` },
    body: new Uint8Array(bytes),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function download(user: TestUser, id: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(`${server.url}/files/${id}`, { headers: { authorization: `Bearer ${user.token}` } });
  return { status: res.status, type: res.headers.get("content-type"), bytes: Buffer.from(await res.arrayBuffer()) };
}

const request = (user: TestUser, fileId: string) =>
  requestProcessing(server.deps, server.deps.db, { fileId, ownerId: user.userId });

/** Waits for the job to end the asset (ready or failed). */
async function settled(fileId: string, timeoutMs = 20_000): Promise<MediaAsset> {
  return waitFor(async () => {
    const asset = (await mediaOf(server.deps.db, [fileId])).get(fileId);
    return asset && asset.status !== "pending" ? asset : undefined;
  }, timeoutMs);
}

async function refusal(call: Promise<unknown>): Promise<DomainError> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return err;
}

/** The `media.status` events of one client's personal stream. */
function watchMedia(client: P2PClient): MediaAsset[] {
  const seen: MediaAsset[] = [];
  const sub = client.me.onEvents.subscribe(
    {},
    {
      onData: (e) => {
        const data = (e as { data: MyEvent }).data;
        if (data.type === "media.status") seen.push(data.asset);
      },
    },
  );
  cleanups.push(() => sub.unsubscribe());
  return seen;
}

/** A 3000×1500 photo-like PNG (a gradient, so the encoder has something to do). */
async function bigPng(): Promise<Buffer> {
  const width = 3000;
  const height = 1500;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = (x * 255) / width;
      pixels[i + 1] = (y * 255) / height;
      pixels[i + 2] = 128;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** A 400×200 JPEG shot "sideways" (EXIF orientation 6: shown 200×400) with camera and GPS data. */
function exifJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 400, height: 200, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: "Acme", Model: "Field Cam 1" },
      IFD3: {
        GPSLatitudeRef: "N",
        GPSLatitude: "24/1 42/1 36/1",
        GPSLongitudeRef: "E",
        GPSLongitude: "46/1 40/1 30/1",
      },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** A video made with the same ffmpeg binary the pipeline runs. */
async function makeVideo(name: string, args: string[]): Promise<Buffer> {
  const out = join(workdir, name);
  await promisify(execFile)(server.deps.config.media.ffmpegPath, [
    ...["-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi"],
    ...args,
    ...["-pix_fmt", "yuv420p", "-y", out],
  ]);
  return readFile(out);
}

async function expectWebp(user: TestUser, id: string | null) {
  expect(id).toBeTruthy();
  const file = await download(user, id as string);
  expect(file.status).toBe(200);
  expect(file.type).toBe("image/webp");
  const meta = await sharp(file.bytes).metadata();
  expect(meta.format).toBe("webp");
  return meta;
}

describe("media pipeline", () => {
  it("a PNG becomes a WebP display copy (≤ 2048 px) with 320 and 640 px thumbnails, announced live", async () => {
    const events = watchMedia(alice.client);
    const fileId = await upload(alice, await bigPng(), "image/png", "line 3.png");
    const pending = await request(alice, fileId);
    expect(pending).toMatchObject({ fileId, kind: "image", status: "pending", displayFileId: null });

    const asset = await settled(fileId);
    expect(asset).toMatchObject({ status: "ready", error: null, width: 3000, height: 1500, durationMs: null });
    expect(asset.posterFileId).toBeNull();
    const display = await expectWebp(alice, asset.displayFileId);
    expect(Math.max(display.width ?? 0, display.height ?? 0)).toBe(2048);
    expect([display.width, display.height]).toEqual([2048, 1024]);
    expect((await expectWebp(alice, asset.thumb320FileId)).width).toBe(320);
    expect((await expectWebp(alice, asset.thumb640FileId)).width).toBe(640);

    // The variants are ordinary files of the owner, each traced back to its source.
    const variants = [asset.displayFileId, asset.thumb320FileId, asset.thumb640FileId] as string[];
    const sources = await derivedSources(server.deps.db, [...variants, fileId]);
    expect(Object.fromEntries(sources)).toEqual(Object.fromEntries(variants.map((id) => [id, fileId])));
    // Nobody else sees them while the source is held by nothing (a holder decides, as for the source).
    expect((await download(bob, asset.displayFileId as string)).status).toBe(404);

    await waitFor(() => events.find((e) => e.fileId === fileId && e.status === "ready"));
    expect(events.filter((e) => e.fileId === fileId)).toEqual([asset]);
  });

  it("a JPEG is turned upright by its EXIF orientation, and its EXIF (GPS, camera) is gone", async () => {
    const jpeg = await exifJpeg();
    const before = await sharp(jpeg).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif?.toString("latin1")).toContain("Acme");

    const fileId = await upload(alice, jpeg, "image/jpeg", "site.jpg");
    await request(alice, fileId);
    const asset = await settled(fileId);
    expect(asset).toMatchObject({ status: "ready", width: 200, height: 400 });
    for (const id of [asset.displayFileId, asset.thumb320FileId, asset.thumb640FileId]) {
      const meta = await expectWebp(alice, id);
      expect(meta.exif).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
    }
    const display = await expectWebp(alice, asset.displayFileId);
    expect([display.width, display.height]).toEqual([200, 400]);
    // Thumbnails keep the upright (portrait) proportions.
    expect((await expectWebp(alice, asset.thumb320FileId)).height).toBe(640);
  });

  it("a short MP4 gets a WebP poster frame, thumbnails and its duration", async () => {
    const events = watchMedia(alice.client);
    const mp4 = await makeVideo("clip.mp4", ["-i", "testsrc=duration=2:size=320x240:rate=10"]);
    expect(mp4.length).toBeLessThanOrEqual(MAX_VIDEO_BYTES);
    const fileId = await upload(alice, mp4, "video/mp4", "clip.mp4");
    expect((await request(alice, fileId)).kind).toBe("video");

    const asset = await settled(fileId, 60_000);
    expect(asset).toMatchObject({ kind: "video", status: "ready", width: 320, height: 240, displayFileId: null });
    expect(Math.abs((asset.durationMs ?? 0) - 2000)).toBeLessThanOrEqual(100);
    const poster = await expectWebp(alice, asset.posterFileId);
    expect([poster.width, poster.height]).toEqual([320, 240]);
    expect((await expectWebp(alice, asset.thumb320FileId)).width).toBe(320);
    expect((await expectWebp(alice, asset.thumb640FileId)).width).toBe(640);
    await waitFor(() => events.find((e) => e.fileId === fileId && e.status === "ready"));
  }, 90_000);

  it("refuses, naming fileId, a file that is not an image or a video by its content, whatever its name", async () => {
    const fileId = await upload(alice, Buffer.from("just some notes, not a picture\n"), "text/plain", "photo.png");
    const err = await refusal(request(alice, fileId));
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.issues?.map((i) => i.path)).toEqual(["fileId"]);
    expect(err.message).toMatch(/image .* or a video/);
    expect((await mediaOf(server.deps.db, [fileId])).size).toBe(0);
    // A PDF neither.
    const pdf = await upload(
      alice,
      Buffer.from("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"),
      "application/pdf",
      "a.pdf",
    );
    expect((await refusal(request(alice, pdf))).issues?.[0]?.path).toBe("fileId");
  });

  it("refuses someone else's file, an unknown id and a derived copy, naming fileId", async () => {
    const fileId = await upload(alice, await exifJpeg(), "image/jpeg", "mine.jpg");
    expect((await refusal(request(bob, fileId))).issues?.[0]?.path).toBe("fileId");
    expect((await refusal(request(alice, "0190a0a0-0000-7000-8000-000000000000"))).issues?.[0]?.path).toBe("fileId");
    await request(alice, fileId);
    const asset = await settled(fileId);
    const err = await refusal(request(alice, asset.thumb320FileId as string));
    expect(err.message).toMatch(/processed copy/);
  });

  it("refuses a video over MAX_VIDEO_BYTES", async () => {
    const mp4 = await makeVideo("long.mp4", ["-i", "testsrc=duration=5:size=640x480:rate=25"]);
    expect(mp4.length).toBeGreaterThan(MAX_VIDEO_BYTES);
    const fileId = await upload(alice, mp4, "video/mp4", "long.mp4");
    const err = await refusal(request(alice, fileId));
    expect(err.issues?.[0]?.path).toBe("fileId");
    expect(err.message).toMatch(/video may be at most/);
  }, 60_000);

  it("a corrupt JPEG ends failed with a short reason, announced live", async () => {
    const events = watchMedia(alice.client);
    const good = await sharp({ create: { width: 800, height: 600, channels: 3, background: "#3070a0" } })
      .jpeg()
      .toBuffer();
    // The signature and headers survive (the upload and the type check pass); the image data does not.
    const corrupt = Buffer.concat([good.subarray(0, Math.floor(good.length / 2)), Buffer.alloc(64, 0x42)]);
    const fileId = await upload(alice, corrupt, "image/jpeg", "broken.jpg");
    await request(alice, fileId);
    const asset = await settled(fileId);
    expect(asset).toMatchObject({ status: "failed", displayFileId: null, thumb320FileId: null });
    expect(asset.error).toMatch(/could not be read/);
    expect(asset.error?.length).toBeLessThan(100);
    await waitFor(() => events.find((e) => e.fileId === fileId && e.status === "failed"));
  });

  it("an unreadable video ends failed", async () => {
    const mp4 = await makeVideo("cut.mp4", ["-i", "testsrc=duration=2:size=320x240:rate=10"]);
    // The `ftyp` box stays (it is an MP4 by its signature); everything after it is noise.
    const broken = Buffer.concat([mp4.subarray(0, 32), Buffer.alloc(4096, 0x5a)]);
    const fileId = await upload(alice, broken, "video/mp4", "cut.mp4");
    await request(alice, fileId);
    const asset = await settled(fileId, 60_000);
    expect(asset).toMatchObject({ kind: "video", status: "failed", posterFileId: null });
    expect(asset.error).toMatch(/video/);
  }, 90_000);

  it("is idempotent: a second request does nothing, and a re-run job stores nothing twice", async () => {
    const fileId = await upload(alice, await exifJpeg(), "image/jpeg", "again.jpg");
    await request(alice, fileId);
    const first = await settled(fileId);
    const files = await countRows(server, "files");
    expect(await request(alice, fileId)).toEqual(first);

    const job = mediaJobs.find((j) => j.name === "media.process");
    // A finished asset: the job does nothing.
    await job?.run(server.deps, { fileId });
    expect(await countRows(server, "files")).toBe(files);
    // A retry of a run that stored its files and then died before finishing: the same files again.
    await server.deps.db.updateTable("mediaAssets").set({ status: "pending" }).where("fileId", "=", fileId).execute();
    await job?.run(server.deps, { fileId });
    expect(await countRows(server, "files")).toBe(files);
    expect((await mediaOf(server.deps.db, [fileId])).get(fileId)).toEqual(first);
  });

  it("inside the caller's transaction: nothing after a rollback, and the job waits for the commit", async () => {
    const fileId = await upload(alice, await exifJpeg(), "image/jpeg", "tx.jpg");
    await expect(
      server.deps.db.transaction().execute(async (trx) => {
        await requestProcessing(server.deps, trx, { fileId, ownerId: alice.userId });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    await new Promise((r) => setTimeout(r, 300));
    expect((await mediaOf(server.deps.db, [fileId])).size).toBe(0);

    await server.deps.db.transaction().execute(async (trx) => {
      await requestProcessing(server.deps, trx, { fileId, ownerId: alice.userId });
      // The job is queued but holds off until this transaction commits.
      await new Promise((r) => setTimeout(r, 300));
      expect((await mediaOf(trx, [fileId])).get(fileId)?.status).toBe("pending");
    });
    expect((await settled(fileId)).status).toBe("ready");
  });

  it("discardMedia removes the asset and its derived files; the source stays", async () => {
    const fileId = await upload(alice, await exifJpeg(), "image/jpeg", "gone.jpg");
    await request(alice, fileId);
    const asset = await settled(fileId);
    const files = await countRows(server, "files");
    const { removeBytes } = await discardMedia(server.deps, server.deps.db, [fileId]);
    await removeBytes();
    expect(await countRows(server, "files")).toBe(files - 3);
    expect((await download(alice, asset.displayFileId as string)).status).toBe(404);
    expect((await download(alice, fileId)).status).toBe(200);
    expect((await mediaOf(server.deps.db, [fileId])).size).toBe(0);
  });
});
