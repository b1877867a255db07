/** PostgreSQL error classes the services turn into user-facing answers. */
const pgCode = (err: unknown) => (err as { code?: string } | null)?.code;
export const isUniqueViolation = (err: unknown) => pgCode(err) === "23505";
export const isForeignKeyViolation = (err: unknown) => pgCode(err) === "23503";
