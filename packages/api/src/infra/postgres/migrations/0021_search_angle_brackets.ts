import { type Kysely, type RawBuilder, sql } from "kysely";

/**
 * Search documents read `<` and `>` as spaces. PostgreSQL's text parser takes "<…>" for an HTML tag
 * and skips it: "pressure<setpoint and flow>max" lost its words, and after a literal "<script>" a
 * post's following text was never found. (The documents are generated columns, which PostgreSQL
 * 15 cannot redefine: each is dropped, with its index, and added again.)
 */
function documents(bracketsAsSpaces: boolean): Record<string, RawBuilder<unknown>[]> {
  const weighted = (column: string, weight: "A" | "B" | "C") => {
    const text = sql.raw(bracketsAsSpaces ? `translate(${column}, '<>', '  ')` : column);
    return sql`setweight(to_tsvector('english', ${text}), ${sql.lit(weight)}) || setweight(to_tsvector('arabic', ${text}), ${sql.lit(weight)})`;
  };
  return {
    forum_search: [weighted("title", "A"), weighted("body", "B")],
    use_cases: [weighted("title", "A"), weighted("summary", "B"), weighted("search_text", "C")],
    tasks: [weighted("title", "A"), weighted("coalesce(description, '')", "B")],
  };
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
async function redefine(db: Kysely<any>, parts: Record<string, RawBuilder<unknown>[]>): Promise<void> {
  for (const [table, weighted] of Object.entries(parts)) {
    await sql`alter table ${sql.table(table)} drop column document`.execute(db);
    const expression = sql.join(weighted, sql` || `);
    await sql`alter table ${sql.table(table)} add column document tsvector generated always as (${expression}) stored`.execute(
      db,
    );
    // Finer lexeme statistics, as before (0003, 0007, 0012).
    await sql`alter table ${sql.table(table)} alter column document set statistics 1000`.execute(db);
  }
  await sql`create index forum_search_document on forum_search using gin (document)`.execute(db);
  await sql`create index use_cases_document on use_cases using gin (document) where deleted_at is null`.execute(db);
  await sql`create index tasks_owner_search on tasks using gin (owner_id, tags, document)`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see redefine()
export async function up(db: Kysely<any>): Promise<void> {
  await redefine(db, documents(true));
}

// biome-ignore lint/suspicious/noExplicitAny: see redefine()
export async function down(db: Kysely<any>): Promise<void> {
  await redefine(db, documents(false));
}
