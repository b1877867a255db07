/** PostgreSQL error classes the services turn into user-facing answers. */
const pgCode = (err: unknown) => (err as { code?: string } | null)?.code;
export const isUniqueViolation = (err: unknown) => pgCode(err) === "23505";
export const isForeignKeyViolation = (err: unknown) => pgCode(err) === "23503";

/** For `.catch`: undefined when the unique index `index` refused the write (someone else's won); the error otherwise. */
export const refusedBy =
  (index: string) =>
  (err: unknown): undefined => {
    if (isUniqueViolation(err) && (err as { constraint?: string }).constraint === index) return undefined;
    throw err;
  };
