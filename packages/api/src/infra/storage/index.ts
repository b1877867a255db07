import type { Config } from "../../config";
import { LocalStorage } from "./local";
import { S3Storage } from "./s3";
import type { Storage } from "./storage";

export type { Storage, StoredObject } from "./storage";
export { LocalStorage, S3Storage };

export async function createStorage(config: Config["storage"]): Promise<Storage> {
  if (config.driver === "local") return new LocalStorage(config.dir);
  const s3 = new S3Storage(config);
  await s3.ensureBucket();
  return s3;
}
