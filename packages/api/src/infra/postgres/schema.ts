import type { ColumnType, Generated } from "kysely";

/** Row types of every PostgreSQL table, in camelCase (the CamelCasePlugin maps snake_case columns). */
export interface Database {
  mailOutbox: MailOutboxTable;
}

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface MailOutboxTable {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  createdAt: CreatedAt;
  sentAt: Date | null;
  seq: Generated<number>;
}
