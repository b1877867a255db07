import type { Kysely } from "kysely";
import { type Migration, type MigrationResultSet, Migrator } from "kysely/migration";
import * as m0001 from "./migrations/0001_foundation";
import * as m0002 from "./migrations/0002_identity";
import * as m0003 from "./migrations/0003_forums";
import * as m0004 from "./migrations/0004_signup_requests";
import * as m0005 from "./migrations/0005_messages";
import * as m0006 from "./migrations/0006_notifications";
import * as m0007 from "./migrations/0007_use_cases";
import * as m0008 from "./migrations/0008_cities";
import * as m0009 from "./migrations/0009_media";
import * as m0011 from "./migrations/0011_dashboard";
import * as m0012 from "./migrations/0012_tasks";
import * as m0013 from "./migrations/0013_use_case_cards";
import * as m0014 from "./migrations/0014_forum_post_facts";
import * as m0015 from "./migrations/0015_deleted_topics_posts";
import * as m0016 from "./migrations/0016_task_search_index";
import * as m0017 from "./migrations/0017_city_search_in_memory";
import * as m0018 from "./migrations/0018_directory_city_any_case";
import * as m0019 from "./migrations/0019_millisecond_timestamps";
import * as m0020 from "./migrations/0020_undated_tasks_last";
import * as m0021 from "./migrations/0021_search_angle_brackets";
import * as m0022 from "./migrations/0022_people_by_name_prefix";
import * as m0023 from "./migrations/0023_search_rows_current_title";
import * as m0024 from "./migrations/0024_deleted_use_cases";
import * as m0025 from "./migrations/0025_invitations_page";
import * as m0026 from "./migrations/0026_message_request_hashes";
import * as m0027 from "./migrations/0027_client_keys";
import * as m0028 from "./migrations/0028_search_rows_topic_audience";

/** Every migration in order. Listed statically so bundlers and tsx see them without a directory scan. */
const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
  "0002_identity": m0002,
  "0003_forums": m0003,
  "0004_signup_requests": m0004,
  "0005_messages": m0005,
  "0006_notifications": m0006,
  "0007_use_cases": m0007,
  "0008_cities": m0008,
  "0009_media": m0009,
  "0011_dashboard": m0011,
  "0012_tasks": m0012,
  "0013_use_case_cards": m0013,
  "0014_forum_post_facts": m0014,
  "0015_deleted_topics_posts": m0015,
  "0016_task_search_index": m0016,
  "0017_city_search_in_memory": m0017,
  "0018_directory_city_any_case": m0018,
  "0019_millisecond_timestamps": m0019,
  "0020_undated_tasks_last": m0020,
  "0021_search_angle_brackets": m0021,
  "0022_people_by_name_prefix": m0022,
  "0023_search_rows_current_title": m0023,
  "0024_deleted_use_cases": m0024,
  "0025_invitations_page": m0025,
  "0026_message_request_hashes": m0026,
  "0027_client_keys": m0027,
  "0028_search_rows_topic_audience": m0028,
};

// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema
export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/** Throws with the failing migration's name when a step fails. */
export function assertMigrated({ error, results }: MigrationResultSet): void {
  if (!error) return;
  const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
  throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
}

// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  assertMigrated(await createMigrator(db).migrateToLatest());
}
