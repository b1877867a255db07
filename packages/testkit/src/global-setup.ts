import { createDb, migrateToLatest } from "@p2p/api";
import { sql } from "kysely";
import type { TestProject } from "vitest/node";
import { resolveServices } from "./services";
import { adminUrl, TEMPLATE_DB } from "./stores";

/** Once per test run: find the services and build a migrated template database every test file copies. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { urls, stop } = await resolveServices();
  const admin = createDb({ url: adminUrl(urls.databaseUrl), poolSize: 1 });
  await sql`drop database if exists ${sql.id(TEMPLATE_DB)} with (force)`.execute(admin);
  await sql`create database ${sql.id(TEMPLATE_DB)}`.execute(admin);
  await admin.destroy();
  const template = createDb({ url: adminUrl(urls.databaseUrl, TEMPLATE_DB), poolSize: 1 });
  await migrateToLatest(template);
  await template.destroy();
  project.provide("services", urls);
  return stop;
}
