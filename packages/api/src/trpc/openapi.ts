/**
 * The OpenAPI 3.1 document of the REST face, generated from the router: trpc-to-openapi turns each
 * mapped procedure's zod input and output schemas into the operation (through zod-openapi); this
 * file adds what the router knows besides (who may call, from the builder's `access`; the error
 * body, `RestErrorBody`) and nothing is written by hand.
 */
import {
  ApiKey,
  AuditLogEntry,
  ClientMessageId,
  FileMeta,
  Invitation,
  Me,
  Organization,
  OrganizationPublic,
  Post,
  RestErrorBody,
  Session,
  SignInResult,
  TopicDetail,
  TopicSummary,
  UserListItem,
  UserProfile,
} from "@p2p/schemas";
import type { AnyRouter } from "@trpc/server";
import { generateOpenApiDocument, type OpenAPIObject } from "trpc-to-openapi";
import { z } from "zod";
import { CSRF_HEADER, SESSION_COOKIE } from "../infra/auth/authenticator";
import type { Access } from "./meta";
import { type RestRoute, restRoutes } from "./rest";

export const REST_BASE = "/api/v1";

const who: Record<Access, string> = {
  public: "Anyone, signed in or not.",
  authed: "Signed in (session or API key).",
  session: "Signed in with a session (not an API key).",
  org: "A member of an organization, acting in it.",
  admin: "An admin of the caller's organization.",
  moderator: "A platform moderator.",
};

const DESCRIPTION = `The REST face of the P2P Sandbox API: the same procedures, rules and errors as the tRPC API at /trpc.

**Authentication.** Browsers sign in with \`POST /auth/login\` and keep the HttpOnly \`${SESSION_COOKIE}\` cookie; every POST, PATCH, PUT and DELETE then sends the \`csrfToken\` from the sign-in answer in the \`${CSRF_HEADER}\` header. Scripts sign in with \`"tokenType": "bearer"\` and send \`Authorization: Bearer <token>\`; API keys go in the same header. The session cookie is renewed as it is used; there is no refresh call.

**Errors** are JSON (\`Error\`): \`appCode\` is the stable code to switch on, \`issues\` names the fields of a rejected input, \`requestId\` identifies the request in the server's logs. Anything a caller may not see answers 404.

**Formats.** Dates are ISO 8601 strings. Lists take \`cursor\` and \`limit\` and answer \`{ items, nextCursor }\`; pass \`nextCursor\` back as \`cursor\` for the next page.`;

type Operation = {
  operationId?: string;
  tags?: string[];
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; description?: string; required?: boolean; schema?: unknown }[];
  responses: Record<string, unknown>;
};

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

/** The header a create a client may retry takes (meta.ts `retriable`), as the input field `field` it fills. */
function idempotencyKeyHeader(field: string) {
  const { $schema: _, ...schema } = z.toJSONSchema(ClientMessageId);
  return {
    name: "Idempotency-Key",
    in: "header",
    required: false,
    description: `The same as \`${field}\` in the body: a retry with the key answers with what the first request made; the key with a different request is 409 \`CONFLICT\`.`,
    schema,
  };
}

/** Output schemas named in `components` (and referenced), so generated clients get one type for each. */
const named = {
  Session,
  SignInResult,
  Me,
  UserProfile,
  UserListItem,
  Organization,
  OrganizationPublic,
  TopicSummary,
  TopicDetail,
  Post,
  FileMeta,
  Invitation,
  ApiKey,
  AuditLogEntry,
};

interface ZodNode {
  _zod: { def: Record<string, unknown> & { type: string } };
}

/** Adds to a schema's metadata in zod's global registry (what zod-openapi reads); parsing never reads it. */
const describe = (schema: z.ZodType, meta: Record<string, unknown>) =>
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), ...meta });

/** Marks every `z.date()` in the routes' schemas `format: date-time` (REST answers carry ISO strings). */
function markDates(schemas: unknown[]) {
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== "object" || !("_zod" in node) || seen.has(node)) return;
    seen.add(node);
    const def = (node as ZodNode)._zod.def;
    if (def.type === "date") {
      describe(node as z.ZodType, { override: { format: "date-time" } });
      return;
    }
    if (def.type === "lazy") {
      visit((def.getter as () => unknown)());
      return;
    }
    if (def.type === "object") {
      for (const field of Object.values(def.shape as Record<string, unknown>)) visit(field);
      return;
    }
    for (const key of ["innerType", "element", "in", "out", "left", "right", "keyType", "valueType"]) visit(def[key]);
    for (const key of ["options", "items"]) if (Array.isArray(def[key])) for (const item of def[key]) visit(item);
  };
  for (const schema of schemas) visit(schema);
}

/**
 * Two templates that differ only in their parameters' names are one path (OpenAPI allows no
 * other): the first one's names win, and a renamed parameter says what the operation takes there.
 */
function mergeSamePaths(paths: Record<string, Record<string, Operation>>) {
  const canonical = new Map<string, string>();
  for (const path of Object.keys(paths)) {
    const shape = path.replace(/\{[^}]+\}/g, "{}");
    const first = canonical.get(shape);
    if (!first) {
      canonical.set(shape, path);
      continue;
    }
    const names = [...first.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
    const ours = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
    for (const [method, op] of Object.entries(paths[path] ?? {})) {
      for (const p of op.parameters ?? []) {
        const i = p.in === "path" ? ours.indexOf(p.name) : -1;
        if (i >= 0 && names[i] !== p.name) {
          p.description = `The ${p.name} (this operation's own name for it).${p.description ? ` ${p.description}` : ""}`;
          p.name = names[i] as string;
        }
      }
      (paths[first] as Record<string, Operation>)[method] = op;
    }
    delete paths[path];
  }
}

/** The OpenAPI document of a router's REST routes (served at /api/v1/openapi.json). */
export function openApiDocument(router: AnyRouter, { version }: { version: string }): OpenAPIObject {
  const routes = new Map<string, RestRoute>(restRoutes(router).map((r) => [r.procedure.replaceAll(".", "-"), r]));
  for (const [id, schema] of Object.entries(named)) describe(schema, { id });
  markDates([...routes.values()].flatMap((r) => [...r.def.inputs, (r.def as { output?: unknown }).output]));
  const doc = generateOpenApiDocument(router, {
    title: "P2P Sandbox API",
    description: DESCRIPTION,
    version,
    baseUrl: REST_BASE,
    securitySchemes: {
      bearer: { type: "http", scheme: "bearer", description: "A session token (`tokenType: bearer`) or an API key." },
      cookie: {
        type: "apiKey",
        in: "cookie",
        name: SESSION_COOKIE,
        description: `The browser session; mutations also send the ${CSRF_HEADER} header.`,
      },
    },
    defs: { Error: RestErrorBody },
  });

  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const item of Object.values(paths)) {
    for (const op of Object.values(item)) {
      const route = op.operationId ? routes.get(op.operationId) : undefined;
      if (!route) continue;
      const access = route.meta.access ?? "public";
      const domain = route.procedure.split(".")[0] as string;
      op.tags = [domain];
      op.description = [op.description, `Who may call: ${who[access]}`].filter(Boolean).join("\n\n");
      if (access === "public") delete op.security;
      else op.security = [{ bearer: [] }, { cookie: [] }];
      const key = route.meta.idempotencyKey;
      if (key) op.parameters = [...(op.parameters ?? []), idempotencyKeyHeader(key)];
      // Our error body and the statuses the builders and services answer, instead of the generic ones.
      const { 200: ok } = op.responses;
      op.responses = {
        200: ok,
        ...(route.def.inputs.length > 0 ? { 400: errorResponse("Invalid input (`issues` names the fields)") } : {}),
        ...(access === "public"
          ? {}
          : {
              401: errorResponse("Not signed in"),
              403: errorResponse("Not allowed (role, API key, or a missing anti-CSRF header)"),
              404: errorResponse("Not found, or not visible to the caller"),
            }),
        ...(route.meta.idempotencyKey
          ? { 409: errorResponse("The Idempotency-Key was already used for a different request (`CONFLICT`)") }
          : {}),
        default: errorResponse("Any other error (409, 413, 429, 500 …), with its `appCode`"),
      };
    }
  }
  mergeSamePaths(paths);
  // The generic error schemas trpc-to-openapi registers are replaced by `Error` above.
  const schemas = (doc.components?.schemas ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(schemas)) if (name.startsWith("error.")) delete schemas[name];
  doc.tags = [...new Set([...routes.values()].map((r) => r.procedure.split(".")[0] as string))].map((name) => ({
    name,
  }));
  return doc;
}
