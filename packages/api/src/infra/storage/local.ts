import { createReadStream } from "node:fs";
import { access, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { assertSafeKey, type ByteRange, type Storage, type StoredObject } from "./storage";

/** Files on the local disk: the embedded default. The content type sits beside each object. */
export class LocalStorage implements Storage {
  readonly driver = "local" as const;
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  private path(key: string): string {
    assertSafeKey(key);
    return join(this.root, key);
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename, so a reader never sees half an object.
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, body);
    await writeFile(`${path}.meta`, JSON.stringify({ contentType }));
    await rename(tmp, path);
  }

  async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
    const path = this.path(key);
    try {
      const [info, meta] = await Promise.all([stat(path), readFile(`${path}.meta`, "utf8")]);
      const { contentType } = JSON.parse(meta) as { contentType: string };
      return { body: createReadStream(path, range), size: info.size, contentType };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    await Promise.all([rm(path, { force: true }), rm(`${path}.meta`, { force: true })]);
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root);
  }
}
