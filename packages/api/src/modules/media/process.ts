import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp, { type Metadata, type Sharp } from "sharp";

/**
 * The media pipeline's work on bytes, without stores: images re-encoded with sharp, videos probed
 * and given a poster frame with ffmpeg. A problem with the content (corrupt, unreadable, too large)
 * is an `UnprocessableMedia` with a short reason for the owner; anything else (a missing binary,
 * the disk) is an ordinary error, and the job retries.
 */
export class UnprocessableMedia extends Error {
  override name = "UnprocessableMedia";
}

export type VariantName = "display" | "thumb320" | "thumb640" | "poster";

export interface Variant {
  name: VariantName;
  /** WebP. */
  bytes: Buffer;
  width: number;
  height: number;
}

export interface Processed {
  /** Of the source as shown (after EXIF orientation or a video's rotation). */
  width: number;
  height: number;
  durationMs: number | null;
  variants: Variant[];
}

export interface VideoTools {
  ffmpegPath: string;
  ffprobePath: string;
}

/** The display copy's longest side. */
export const DISPLAY_MAX_PX = 2048;
export const THUMB_WIDTHS = [320, 640] as const;
/** A decompression bomb (a small file of huge dimensions) stops here. */
const MAX_INPUT_PIXELS = 100_000_000;
const TOOL_TIMEOUT_MS = 60_000;

const webp = async (image: Sharp, quality: number) => {
  const { data, info } = await image.webp({ quality }).toBuffer({ resolveWithObject: true });
  return { bytes: data, width: info.width, height: info.height };
};

/**
 * A WebP copy at most 2048 px on its long side (turned upright by its EXIF orientation first; sharp
 * writes no EXIF, ICC or XMP unless asked, so location and camera data are gone) and 320 and 640 px
 * wide thumbnails made from it.
 */
async function webpVariants(bytes: Buffer, main: "display" | "poster"): Promise<Omit<Processed, "durationMs">> {
  let source: Metadata;
  let display: Awaited<ReturnType<typeof webp>>;
  try {
    const input = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS });
    source = await input.metadata();
    display = await webp(
      input
        .autoOrient()
        .resize({ width: DISPLAY_MAX_PX, height: DISPLAY_MAX_PX, fit: "inside", withoutEnlargement: true }),
      82,
    );
  } catch (err) {
    throw new UnprocessableMedia(imageProblem(err));
  }
  const thumbs = await Promise.all(
    THUMB_WIDTHS.map(async (width) => ({
      name: `thumb${width}` as const,
      ...(await webp(sharp(display.bytes).resize({ width }), 80)),
    })),
  );
  return {
    width: source.autoOrient?.width ?? source.width,
    height: source.autoOrient?.height ?? source.height,
    variants: [{ name: main, ...display }, ...thumbs],
  };
}

function imageProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) return `The image is too large (more than ${MAX_INPUT_PIXELS / 1e6} megapixels)`;
  return "The image could not be read (corrupt or unsupported)";
}

/**
 * Throws UnprocessableMedia unless `bytes` decode as an image within the pixel limit: a small copy
 * is made, which reads the whole image (a corrupt one fails, a decompression bomb stops at its
 * header). For images shown as they were uploaded (avatars, logos).
 */
export async function assertReadableImage(bytes: Buffer): Promise<void> {
  try {
    await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).resize(16, 16, { fit: "inside" }).toBuffer();
  } catch (err) {
    throw new UnprocessableMedia(imageProblem(err));
  }
}

/** An image (PNG, JPEG, WebP, GIF: the first frame of an animation). */
export async function processImage(bytes: Buffer): Promise<Processed> {
  return { ...(await webpVariants(bytes, "display")), durationMs: null };
}

/** A video (MP4, WebM): its duration and size from ffprobe, a poster frame from ffmpeg (WebP, with thumbnails). */
export async function processVideo(bytes: Buffer, tools: VideoTools): Promise<Processed> {
  // ffprobe and ffmpeg need a seekable file (an MP4's index may sit at its end).
  const dir = await mkdtemp(join(tmpdir(), "p2p-media-"));
  try {
    const input = join(dir, "source");
    await writeFile(input, bytes);
    const probe = await probeVideo(tools, input);
    const frame = join(dir, "poster.png");
    // A frame a little in (the first is often black), or the first one of a very short video.
    for (const at of [Math.min(1, probe.durationMs / 2000), 0]) {
      await run(tools.ffmpegPath, [
        ...["-nostdin", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file"],
        ...["-ss", at.toFixed(3), "-i", input, "-frames:v", "1", "-an", "-y", frame],
      ]);
      if ((await stat(frame).catch(() => null))?.size) break;
    }
    const poster = await readFile(frame).catch(() => {
      throw new UnprocessableMedia("The video has no frame to show");
    });
    const { variants } = await webpVariants(poster, "poster");
    return { width: probe.width, height: probe.height, durationMs: probe.durationMs, variants };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Probe {
  width: number;
  height: number;
  durationMs: number;
}

interface ProbeOutput {
  format?: { duration?: string };
  streams?: {
    codec_type?: string;
    width?: number;
    height?: number;
    duration?: string;
    tags?: { rotate?: string };
    side_data_list?: { rotation?: number }[];
  }[];
}

async function probeVideo(tools: VideoTools, input: string): Promise<Probe> {
  const out = await run(tools.ffprobePath, [
    ...["-v", "error", "-protocol_whitelist", "file", "-print_format", "json"],
    ...["-show_format", "-show_streams", input],
  ]);
  let parsed: ProbeOutput;
  try {
    parsed = JSON.parse(out) as ProbeOutput;
  } catch {
    throw new UnprocessableMedia("The video could not be read");
  }
  const video = parsed.streams?.find((s) => s.codec_type === "video");
  if (!video?.width || !video.height) throw new UnprocessableMedia("The file has no video track");
  const seconds = Number(parsed.format?.duration ?? video.duration);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UnprocessableMedia("The video has no duration");
  // A phone video is often stored sideways with a rotation flag; ffmpeg turns the frame upright.
  const rotation = Math.abs(
    Number(video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? video.tags?.rotate ?? 0),
  );
  const sideways = rotation % 180 === 90;
  return {
    width: sideways ? video.height : video.width,
    height: sideways ? video.width : video.height,
    durationMs: Math.round(seconds * 1000),
  };
}

/**
 * Runs a tool and answers its stdout. The tool failing on the input (a non-zero exit, the time
 * limit) is the content's problem; the tool missing is the deployment's and is thrown as is.
 */
function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: TOOL_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024, killSignal: "SIGKILL" },
      (err, stdout) => {
        if (!err) return resolve(stdout);
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
          return reject(
            new Error(`${file} not found: install ffmpeg (scripts/services.sh) or set FFMPEG_PATH/FFPROBE_PATH`),
          );
        }
        if (err.killed) return reject(new UnprocessableMedia("The video took too long to process"));
        reject(new UnprocessableMedia("The video could not be read (corrupt or unsupported)"));
      },
    );
  });
}
