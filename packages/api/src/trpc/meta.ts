/**
 * Procedure metadata. `access` is set once by the builder (procedures.ts) and says who may call;
 * `openapi` is set by a procedure that has a REST mapping (`.meta(rest("GET", "/users/me", "…"))`)
 * and is read by the REST face (trpc/rest.ts) and the OpenAPI document it serves. The shape is the
 * one trpc-to-openapi reads (`OpenApiMeta`), written out here so that the router's type, which
 * clients import, refers to nothing outside @trpc/server.
 */
export type Access = "public" | "authed" | "session" | "org" | "admin" | "moderator";
export type RestMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export type Meta = {
  access?: Access;
  /** The input field (a client key, `clientMessageId`) that the REST face fills from the `Idempotency-Key` header. */
  idempotencyKey?: string;
  openapi?: {
    method: RestMethod;
    /** Under /api/v1, with `{param}` segments that are keys of the procedure's input. */
    path: `/${string}`;
    summary?: string;
    description?: string;
    tags?: string[];
    enabled?: boolean;
  };
};

/**
 * A procedure's REST mapping. Queries are GET (input from the query string and the path);
 * mutations are POST, PATCH, PUT or DELETE (input from the JSON body and the path; DELETE from
 * the path and the query string). Subscriptions have none.
 */
export const rest = (method: RestMethod, path: `/${string}`, summary: string, description?: string): Meta => ({
  openapi: { method, path, summary, ...(description ? { description } : {}) },
});

/**
 * A create a client may retry: its input takes the shared client key `clientMessageId`
 * (`ClientMessageId` in @p2p/schemas), which the REST face also reads from the `Idempotency-Key`
 * header. `.meta(rest(…)).meta(retriable)`.
 */
export const retriable: Meta = { idempotencyKey: "clientMessageId" };
