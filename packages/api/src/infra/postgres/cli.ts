/** `db:migrate` / `db:rollback`: `tsx cli.ts latest | down [--all]`. Reads DATABASE_URL. */
import { NO_MIGRATIONS } from "kysely/migration";
import { loadConfig } from "../../config";
import { createDb } from "./db";
import { assertMigrated, createMigrator } from "./migrate";

const [command, flag] = process.argv.slice(2);
const config = loadConfig();
const db = createDb({ url: config.postgres.url, poolSize: 1 });
const migrator = createMigrator(db);
try {
  const result =
    command === "latest"
      ? await migrator.migrateToLatest()
      : command === "down"
        ? await (flag === "--all" ? migrator.migrateTo(NO_MIGRATIONS) : migrator.migrateDown())
        : undefined;
  if (!result) throw new Error(`unknown command "${command}" (use: latest | down [--all])`);
  for (const r of result.results ?? []) console.log(`${r.direction} ${r.migrationName}: ${r.status}`);
  if (!result.results?.length) console.log("nothing to do");
  assertMigrated(result);
} finally {
  await db.destroy();
}
