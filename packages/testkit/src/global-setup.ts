import { randomBytes } from "node:crypto";
import { createDb } from "@p2p/api";
import { sql } from "kysely";
import type { TestProject } from "vitest/node";
import { resolveServices } from "./services";
import { adminUrl, migratedTemplate, TEMPLATE_PREFIX } from "./stores";

/** A run's template older than this belongs to a run that died without its teardown. */
const STALE_TEMPLATE_MS = 24 * 3600_000;

/**
 * Once per test run: find the services and build a migrated template database every test file
 * copies. The template is this run's own (`p2p_tpl_<time>_<random>`), so runs that share the
 * services (two checkouts, two developers) neither drop nor migrate each other's template.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { urls, stop } = await resolveServices();
  const templateDb = `${TEMPLATE_PREFIX}${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = createDb({ url: adminUrl(urls.databaseUrl), poolSize: 1 });
  try {
    const { rows } = await sql<{ datname: string }>`
      select datname from pg_database where datname like ${`${TEMPLATE_PREFIX}%`}`.execute(admin);
    const stale = rows
      .map((r) => r.datname)
      .filter((name) => {
        const created = Number.parseInt(name.slice(TEMPLATE_PREFIX.length).split("_")[0] ?? "", 36);
        return Number.isFinite(created) && Date.now() - created > STALE_TEMPLATE_MS;
      });
    for (const name of stale) await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
    await sql`create database ${sql.id(templateDb)}`.execute(admin);
  } finally {
    await admin.destroy();
  }
  await migratedTemplate(urls.databaseUrl, templateDb);
  project.provide("services", { ...urls, templateDb });
  return async () => {
    const admin = createDb({ url: adminUrl(urls.databaseUrl), poolSize: 1 });
    try {
      await sql`drop database if exists ${sql.id(templateDb)} with (force)`.execute(admin);
    } finally {
      await admin.destroy();
      await stop();
    }
  };
}
