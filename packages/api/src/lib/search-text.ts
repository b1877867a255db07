/**
 * A search query as the search documents read text (migration 0021): `<` and `>` as spaces, since
 * PostgreSQL's parser takes "<…>" for an HTML tag and skips what is inside.
 */
export const queryText = (q: string) => q.replace(/[<>]/g, " ");
