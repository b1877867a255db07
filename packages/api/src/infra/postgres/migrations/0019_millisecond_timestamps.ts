import { type Kysely, sql } from "kysely";

/**
 * Every timestamp keeps milliseconds, as JavaScript's Date does: a keyset cursor carries a row's
 * time as a Date, so a row stored with microseconds (`now()`) compared after the cursor's rounded
 * time, and paging dropped rows written in the same millisecond as the page's last one. Each table
 * with such columns is rewritten once (values round to the nearest millisecond).
 */
const setPrecision = (from: number, to: number) => sql`
  do $$
  declare t record;
  begin
    for t in
      select c.table_name, string_agg(format('alter column %I type timestamptz(${sql.raw(String(to))})', c.column_name), ', ') as alters
      from information_schema.columns c
      join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name
      where c.table_schema = current_schema() and tb.table_type = 'BASE TABLE'
        and c.data_type = 'timestamp with time zone' and c.datetime_precision = ${sql.raw(String(from))}
      group by c.table_name
    loop
      execute format('alter table %I %s', t.table_name, t.alters);
    end loop;
  end $$`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  await setPrecision(6, 3).execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await setPrecision(3, 6).execute(db);
}
