import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src";

const valid = {
  DATABASE_URL: "postgres://u:p@localhost:5432/db",
  MONGO_URL: "mongodb://localhost:27017/p2p",
  REDIS_URL: "redis://localhost:6379",
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("parses a minimal environment with defaults", () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(3000);
    expect(config.mongo.dbName).toBe("p2p");
    expect(config.storage).toEqual({ driver: "local", dir: ".local/files" });
    expect(config.limits.maxBatchSize).toBe(20);
  });

  it("names every missing variable", () => {
    expect(problemsOf({})).toEqual(["DATABASE_URL: is required", "MONGO_URL: is required", "REDIS_URL: is required"]);
  });

  it("names the variable with a bad value and says why", () => {
    const problems = problemsOf({ ...valid, PORT: "http", DATABASE_URL: "mysql://x/y" });
    expect(problems).toHaveLength(2);
    expect(problems.find((p) => p.startsWith("PORT:"))).toBeDefined();
    expect(problems).toContain("DATABASE_URL: must be a postgres:// URL");
  });

  it("requires the bucket and keys when storage is s3", () => {
    expect(problemsOf({ ...valid, STORAGE_DRIVER: "s3" })).toEqual([
      "S3_BUCKET: required when STORAGE_DRIVER=s3",
      "S3_ACCESS_KEY_ID: required when STORAGE_DRIVER=s3",
      "S3_SECRET_ACCESS_KEY: required when STORAGE_DRIVER=s3",
    ]);
  });

  it("requires TOTP_ENCRYPTION_KEY (32 bytes, base64) in production only", () => {
    expect(problemsOf({ ...valid, NODE_ENV: "production" })).toContain(
      "TOTP_ENCRYPTION_KEY: required when NODE_ENV=production",
    );
    const key = Buffer.alloc(32, 7).toString("base64");
    const config = loadConfig({ ...valid, NODE_ENV: "production", TOTP_ENCRYPTION_KEY: key });
    expect(config.auth.totpEncryptionKey).toEqual(Buffer.alloc(32, 7));
    expect(problemsOf({ ...valid, TOTP_ENCRYPTION_KEY: Buffer.alloc(16).toString("base64") })).toEqual([
      "TOTP_ENCRYPTION_KEY: must be 32 bytes in base64 (openssl rand -base64 32)",
    ]);
    expect(loadConfig(valid).auth.totpEncryptionKey).toHaveLength(32);
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ ...valid, PORT: "" }).port).toBe(3000);
  });
});
