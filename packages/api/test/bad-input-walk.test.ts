/**
 * The generated bad-input test: for every procedure of the router (walked, so none is forgotten),
 * inputs derived from its zod input schema (through its JSON Schema: wrong types, missing and extra
 * fields, empty, exactly-maximum, one-past-maximum and huge strings, control characters, odd
 * Unicode, negative and huge numbers, malformed ids and cursors, Mongo operators where a value is
 * expected, arrays past their maximum), mutated one field at a time from the valid input in
 * test/walk/world.ts. They go over plain HTTP (subscriptions as server-sent events) to a real server
 * as the admin of the organization that owns the fixtures.
 *
 * What each answer must be is decided by the schema itself: an input zod refuses must be a 400 whose
 * issues name the field; an input zod accepts (an exactly-maximum string, an unknown key, which
 * z.object strips) may succeed or be refused by a rule (404, 409, 400 naming the field, 429 where a
 * limit applies), but never a 5xx. Random strings come from fast-check with fixed seeds.
 */
import type { HttpErrorBody } from "@p2p/schemas";
import { addMember, makeModerator, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  buildWorld,
  type Caller,
  destroysCaller,
  freshLike,
  inputs,
  type WalkedProcedure,
  type World,
  walkRouter,
} from "./walk/world";

// ---------------------------------------------------------------- deriving inputs from the schema

/** The parts of JSON Schema that z.toJSONSchema emits for our inputs. */
interface Json {
  type?: string;
  properties?: Record<string, Json>;
  required?: string[];
  items?: Json;
  maxItems?: number;
  minItems?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Json[];
  minimum?: number;
  maximum?: number;
}

/** "Leave the field out" / "send no input at all". */
const ABSENT = Symbol("absent");
interface Variant {
  label: string;
  /** The field the variant changes ("" for the whole input). */
  path: string;
  /** The input, from a valid one (a fresh one for each call the schema accepts). */
  make(base: unknown): unknown;
}

const CONTROL = ["\u0000", "\u0007", "\u001b[31m", "\u007f", "\u0085"];
const ODD_UNICODE = ["\ud800", "\u202e", "\u200b", "😀", "ب"];
const OPERATORS = [{ $gt: "" }, { $ne: null }, { $regex: ".*" }, { $where: "sleep(100)" }];
const SOME_ID = "0b6f6f2e-3c1b-4b8e-9a57-5f7d1e2c9a10";
const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const MALFORMED_IDS = [
  "not-a-uuid",
  "' OR '1'='1",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "0B6F6F2E-3C1B-4B8E-9A57-5F7D1E2C9A10",
  SOME_ID,
  `${SOME_ID} `,
  `${SOME_ID}\u0000`,
  "../../../etc/passwd",
];
/** Well-formed base64url around contents that fit one cursor shape or another, but not as the server made them. */
const MALFORMED_CURSORS = [
  "!!!not base64!!!",
  b64("not json"),
  b64({ $gt: "" }),
  b64([]),
  b64(["\u0000", "\u0000", SOME_ID]),
  b64(["\u0000", SOME_ID]),
  b64([true, 9007199254740991, 9007199254740991, SOME_ID]),
  b64([false, -9007199254740991, 2147483648, SOME_ID]),
  b64([true, "0000-01-01T00:00:00Z", SOME_ID]),
  b64([false, "9999-12-31T23:59:59.999999999+14:00", SOME_ID]),
  b64(["l", "0000-01-01T00:00:00Z", SOME_ID]),
  b64(["r", 10_000]),
  b64(["r", -1]),
  b64(["2024-01-01T00:00:00Z", "not-a-uuid"]),
  b64([SOME_ID]),
  "A".repeat(512),
];
const EVENT_IDS = [
  "0-0",
  "18446744073709551615-18446744073709551615",
  "18446744073709551616-0",
  "99999999999999999999-99999999999999999999",
  "1-",
  "-1-0",
];

const seedOf = (s: string) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 7);
const randomStrings = (where: string) =>
  fc.sample(fc.string({ unit: "binary", maxLength: 40 }), { seed: seedOf(where), numRuns: 3 });
const randomJson = (where: string) =>
  fc.sample(fc.jsonValue({ maxDepth: 2 }), { seed: seedOf(`${where}#json`), numRuns: 2 });

/** A string of exactly `n` UTF-16 units that starts like `base` (an email keeps its domain). */
function sized(base: unknown, n: number, unit = "x"): string {
  const s = typeof base === "string" ? base : "";
  const at = s.indexOf("@");
  const [head, tail] = at >= 0 ? [s.slice(0, at), s.slice(at)] : [s, ""];
  if (n <= tail.length) return unit.repeat(n);
  return (head + unit.repeat(n)).slice(0, n - tail.length) + tail;
}

function unwrap(node: Json): { node: Json; nullable: boolean } {
  if (!node.anyOf) return { node, nullable: false };
  const rest = node.anyOf.filter((n) => n.type !== "null");
  const nullable = rest.length < node.anyOf.length;
  return rest.length === 1 && rest[0] ? { node: rest[0], nullable } : { node, nullable };
}

/** Values to try at one place, given the schema there and the valid value the base input has. */
function valuesFor(node: Json, base: unknown, key: string, where: string, transport: WalkedProcedure["type"]) {
  const { node: n, nullable } = unwrap(node);
  const out: [string, unknown][] = [];
  const wrong = (...values: unknown[]) => {
    for (const v of values) out.push([`wrong type ${JSON.stringify(v)}`, v]);
  };
  if (!nullable) out.push(["null", null]);
  for (const op of OPERATORS) out.push([`operator ${JSON.stringify(op)}`, op]);
  for (const v of randomJson(where)) out.push([`random JSON ${JSON.stringify(v)}`, v]);

  if (n.anyOf) return out; // a union of objects: its members are walked separately
  switch (n.type) {
    case "string": {
      wrong(12345, true, ["x"]);
      out.push(["empty", ""], ["blank", "   "]);
      const max = n.maxLength;
      if (max !== undefined) {
        out.push(["exactly max", sized(base, max)], ["exactly max, Arabic", sized(base, max, "ب")]);
        out.push(["one past max", sized(base, max + 1)]);
        // Queries travel in the URL: stay under Node's header limit so the schema, not the transport, answers.
        out.push(["huge", sized(base, transport === "query" ? Math.min(max * 10, 4_000) : 100_000)]);
      } else if (!n.pattern && !n.format && !n.enum) {
        throw new Error(`${where}: an unbounded string (give it a maximum length)`);
      }
      const s = typeof base === "string" && base ? base : "walk";
      for (const c of CONTROL) out.push([`control ${JSON.stringify(c)}`, `${s.slice(0, 3)}${c}${s.slice(3)}`]);
      for (const c of ODD_UNICODE) out.push([`unicode ${JSON.stringify(c)}`, `${s}${c}`]);
      for (const r of randomStrings(where)) out.push([`random ${JSON.stringify(r)}`, r]);
      if (n.format === "uuid") for (const id of MALFORMED_IDS) out.push([`id ${JSON.stringify(id)}`, id]);
      if (key === "cursor") for (const c of MALFORMED_CURSORS) out.push([`cursor ${c.slice(0, 40)}`, c]);
      if (key === "lastEventId") for (const e of EVENT_IDS) out.push([`event id ${e}`, e]);
      if (key === "email") {
        for (const e of [
          "no-at-sign",
          "a@b",
          "A.B@EXAMPLE.COM",
          "a@b..com",
          '"q"@example.com',
          "x@[127.0.0.1]",
          "ü@exämple.com",
        ])
          out.push([`email ${e}`, e]);
      }
      if (n.format === "uri") {
        for (const u of [
          "javascript:alert(1)",
          "ftp://example.com",
          "http://",
          "https://exa mple.com",
          "data:text/html,x",
        ])
          out.push([`url ${u}`, u]);
      }
      if (key === "timezone")
        for (const t of ["Mars/Phobos", "UTC", "Etc/GMT+14", "../../etc"]) out.push([`zone ${t}`, t]);
      break;
    }
    case "integer":
    case "number": {
      wrong("12", true, [1]);
      const numbers = [-1, 0, 1.5, -(2 ** 31) - 1, 2 ** 31, 2 ** 53 + 2, 1e21, 1e308, -1e308];
      if (n.minimum !== undefined) numbers.push(n.minimum - 1, n.minimum);
      if (n.maximum !== undefined) numbers.push(n.maximum + 1, n.maximum);
      for (const v of numbers) out.push([`number ${v}`, v]);
      break;
    }
    case "boolean":
      wrong("true", 1, 0, "false");
      break;
    case "array": {
      wrong("x", {}, 1);
      out.push(["empty array", []]);
      const first = Array.isArray(base) && base.length ? base[0] : valid(n.items);
      if (n.maxItems !== undefined) out.push([`${n.maxItems + 1} items`, Array(n.maxItems + 1).fill(first)]);
      else throw new Error(`${where}: an unbounded array (give it a maximum)`);
      out.push(["10,000 items", Array(10_000).fill(first)]);
      if (n.items) {
        for (const [label, v] of valuesFor(n.items, first, key, `${where}[]`, transport))
          out.push([`item: ${label}`, [v]]);
      }
      break;
    }
    case "object":
      wrong("x", [], 1);
      out.push(["empty object", {}]);
      break;
    default:
      if (n.enum) {
        wrong(1, [n.enum[0]]);
        out.push(["not a member", "nope"], ["empty", ""], ["upper case", String(n.enum[0]).toUpperCase()]);
      }
  }
  return out;
}

/** A plausible valid value for a schema node, for array items whose base holds none. */
function valid(node: Json | undefined): unknown {
  const n = node ? unwrap(node).node : {};
  if (n.format === "uuid") return SOME_ID;
  if (n.enum) return n.enum[0];
  if (n.type === "string") return n.pattern?.includes("\\p{L}") ? "tag" : "x";
  if (n.type === "integer" || n.type === "number") return n.minimum ?? 1;
  if (n.type === "boolean") return true;
  return "x";
}

function setAt(input: unknown, path: string[], value: unknown): unknown {
  if (!path.length) return value;
  const [key, ...rest] = path as [string, ...string[]];
  const copy = { ...((input ?? {}) as Record<string, unknown>) };
  const next = setAt(copy[key], rest, value);
  if (next === ABSENT) delete copy[key];
  else copy[key] = next;
  return copy;
}

/** Every variant of a procedure's input: the whole input, then each field in turn (nested objects too). */
function variantsOf(proc: WalkedProcedure, base: unknown): Variant[] {
  const out: Variant[] = [];
  const whole = (label: string, input: unknown) => out.push({ label, path: "", make: () => input });
  if (!proc.input) {
    // No input schema: whatever is sent is ignored.
    whole("an unexpected object", { $gt: "" });
    whole("an unexpected string", "x".repeat(10_000));
    whole("null", null);
    return out;
  }
  const root = z.toJSONSchema(proc.input, { io: "input", unrepresentable: "any" }) as Json;
  whole("no input", ABSENT);
  for (const v of [null, "x", 42, [], {}, { $where: "sleep(100)" }]) whole(`input ${JSON.stringify(v)}`, v);
  if (base && typeof base === "object") {
    out.push({
      label: "unknown keys",
      path: "",
      make: (b) => ({ ...(b as object), unexpected: "x", $where: "1", isModerator: true }),
    });
  }

  const walk = (node: Json, at: string[], value: unknown) => {
    const { node: n } = unwrap(node);
    for (const member of n.anyOf ?? []) walk(member, at, value);
    if (n.type !== "object" || !n.properties) return;
    // A cursor is read by the shape of its sort: forge one for each.
    const sorts = n.properties.sort && unwrap(n.properties.sort).node.enum;
    if (n.properties.cursor && sorts) {
      for (const sort of sorts) {
        for (const cursor of MALFORMED_CURSORS) {
          out.push({
            label: `cursor ${cursor.slice(0, 40)} sorted by ${sort}`,
            path: [...at, "cursor"].join("."),
            make: (b) => setAt(setAt(b, [...at, "sort"], sort), [...at, "cursor"], cursor),
          });
        }
      }
    }
    for (const [key, child] of Object.entries(n.properties)) {
      const path = [...at, key];
      const where = `${proc.path}:${path.join(".")}`;
      const current = (value as Record<string, unknown> | undefined)?.[key];
      if (n.required?.includes(key)) {
        out.push({ label: `${key} missing`, path: path.join("."), make: (b) => setAt(b, path, ABSENT) });
      }
      for (const [label, v] of valuesFor(child, current, key, where, proc.type)) {
        out.push({ label: `${path.join(".")}: ${label}`, path: path.join("."), make: (b) => setAt(b, path, v) });
      }
      walk(child, path, current);
    }
  };
  walk(root, [], base);
  return out;
}

// ---------------------------------------------------------------- sending them

interface Answer {
  status: number;
  appCode?: string;
  message?: string;
  issues?: { path: string; message: string }[];
}

const errorAnswer = (
  status: number,
  json: { message?: string; data?: Omit<Answer, "status"> & { httpStatus?: number } },
) => ({
  status: json.data?.httpStatus ?? status,
  appCode: json.data?.appCode,
  message: json.message,
  issues: json.data?.issues ?? undefined,
});

/** The first thing a server-sent-events subscription says: an error, data, or (after a quiet moment) nothing. */
async function firstEvent(res: Response, controller: AbortController): Promise<Answer> {
  if (!res.headers.get("content-type")?.includes("text/event-stream")) {
    const body = (await res.json().catch(() => ({}))) as { error?: { json: never } };
    return body.error ? errorAnswer(res.status, body.error.json) : { status: res.status };
  }
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  const quiet = setTimeout(() => controller.abort(), 2_500);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { status: 200 };
      text += decoder.decode(value, { stream: true });
      let end = text.indexOf("\n\n");
      while (end >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        end = text.indexOf("\n\n");
        const event = block.match(/^event: (.*)$/m)?.[1];
        const data = block.match(/^data: (.*)$/m)?.[1];
        if (event === "connected" || event === "ping" || data === undefined) continue;
        if (event === "serialized-error") return errorAnswer(res.status, (JSON.parse(data) as { json: never }).json);
        return { status: 200 };
      }
    }
  } catch {
    return { status: 200 }; // started, and quiet: a valid subscription with nothing to say yet
  } finally {
    clearTimeout(quiet);
    controller.abort();
  }
}

async function send(server: TestServer, token: string, proc: WalkedProcedure, input: unknown): Promise<Answer> {
  const url = `${server.url}/trpc/${proc.path}`;
  const headers = { authorization: `Bearer ${token}` };
  const query = input === ABSENT ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  if (proc.type === "subscription") {
    const controller = new AbortController();
    const res = await fetch(url + query, {
      headers: { ...headers, accept: "text/event-stream" },
      signal: controller.signal,
    });
    return firstEvent(res, controller);
  }
  const call = () =>
    proc.type === "query"
      ? fetch(url + query, { headers })
      : fetch(url, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: input === ABSENT ? undefined : JSON.stringify({ json: input }),
        });
  let res = await call();
  // 503 says "a store did not answer in time, retry shortly" (a loaded 2-core machine running every
  // test file at once): retried once after a pause, as a client would; a second 503 counts.
  if (res.status === 503) {
    await res.text();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    res = await call();
  }
  const text = await res.text();
  const body = (() => {
    try {
      return JSON.parse(text) as { error?: { json: never } & HttpErrorBody["error"] };
    } catch {
      return {};
    }
  })();
  // A URL over Node's header limit never reaches the router: the server's own typed 431.
  if (res.status === 431) return { status: 431, appCode: body.error?.code, message: body.error?.message };
  return body.error ? errorAnswer(res.status, body.error.json) : { status: res.status };
}

/** An issue "names the field" when its path is the field, inside it, or the object holding it. */
const names = (issuePath: string, field: string) =>
  field === "" ||
  issuePath === field ||
  issuePath.startsWith(`${field}.`) ||
  (issuePath !== "" && field.startsWith(`${issuePath}.`));

/** What is wrong with an answer, or null when it is what the schema calls for. */
const accepts = (proc: WalkedProcedure, input: unknown) =>
  !proc.input || proc.input.safeParse(input === ABSENT ? undefined : input).success;

function judge(proc: WalkedProcedure, variant: Variant, input: unknown, answer: Answer): string | null {
  if (answer.status >= 500) return `server error ${answer.status}: ${answer.message}`;
  if (!accepts(proc, input)) {
    if (answer.status === 429) return null;
    // A query's input too long for a URL: refused before it can be read, with a typed answer.
    if (answer.status === 431 && answer.appCode === "PAYLOAD_TOO_LARGE" && answer.message) return null;
    if (answer.status !== 400 || answer.appCode !== "BAD_REQUEST")
      return `expected a 400, got ${answer.status} ${answer.appCode}`;
    if (!answer.issues?.length) return `a 400 without field issues: ${answer.message}`;
    const union = !!(z.toJSONSchema(proc.input as z.ZodType, { io: "input", unrepresentable: "any" }) as Json).anyOf;
    if (!union && !answer.issues.some((i) => names(i.path, variant.path)))
      return `the issues do not name ${variant.path}: ${JSON.stringify(answer.issues)}`;
    return null;
  }
  if (answer.status < 300) return null;
  if (answer.status < 400 || !answer.message || !answer.appCode) return `an unexplained ${answer.status}`;
  // A rule the schema could not check: the answer still names the field (INVALID_TOKEN names the link).
  if (answer.appCode === "BAD_REQUEST" && !answer.issues?.length)
    return `a 400 without field issues: ${answer.message}`;
  return null;
}

// ---------------------------------------------------------------- the walk

/** Bases that reach further than the shared ones for an admin: their own post, which they may edit. */
const overrides: Record<string, (w: World) => unknown> = {
  "forums.updatePost": (w) => ({ id: w.a.firstPostId, body: "<p>Edited by the walk</p>" }),
};

/** Procedures only a platform moderator reaches past the builder: they run as one (an admin of A). */
const moderatorOnly = new Set(["jobs.list", "jobs.retry"]);
let moderator: TestUser | undefined;
async function moderatorOfA(): Promise<TestUser> {
  if (!moderator) {
    moderator = await addMember(server, world.a.admin, "admin");
    await makeModerator(server, moderator);
  }
  return moderator;
}

const procedures = walkRouter();
let server: TestServer;
let world: World;
const sent = { procedures: 0, inputs: 0, serverErrors: 0 };

beforeAll(async () => {
  server = await startTestServer({
    env: {
      // Wrong passwords and codes are sent on purpose: far past the limits a real attacker meets.
      SIGNIN_MAX_FAILURES_PER_ACCOUNT: "100000",
      SIGNIN_MAX_FAILURES_PER_IP: "100000",
      SIGNIN_MAX_FAILURES_PER_ACCOUNT_IP: "100000",
      TOTP_MAX_FAILURES_PER_USER: "100000",
      MAIL_PER_SENDER_PER_HOUR: "100000",
    },
  });
  world = await buildWorld(server);
});
afterAll(async () => {
  await server?.close();
  console.log(
    `bad-input walk: ${sent.procedures} procedures × ${sent.inputs} inputs, ${sent.serverErrors} server errors`,
  );
});

describe("bad-input walk", () => {
  it("covers every procedure of the router", () => {
    expect(
      procedures.filter((p) => !(p.path in inputs)).map((p) => p.path),
      "procedures without a valid input",
    ).toEqual([]);
  });

  it.each(procedures.map((p) => [p.path, p] as const))(
    "%s",
    async (path, proc) => {
      const build = overrides[path] ?? inputs[path];
      expect(build, `${path} has no valid input in test/walk/world.ts`).toBeDefined();
      if (!build) return;
      const kind = destroysCaller[path];
      // Calls that spoil their caller run as a fresh admin of the same organization (a fresh one per call
      // the schema accepts); an input the schema accepts gets fresh objects (a token, a topic to delete).
      const callerFor = async (): Promise<Caller & { token: string }> => {
        const user = moderatorOnly.has(path)
          ? await moderatorOfA()
          : kind
            ? await freshLike(world, world.a.admin, kind)
            : world.a.admin;
        return { client: user.client, user, token: user.token };
      };
      let caller = await callerFor();
      const first = await build(world, caller);
      const problems: string[] = [];
      for (const variant of variantsOf(proc, first)) {
        let input = variant.make(first);
        if (accepts(proc, input)) {
          if (kind) caller = await callerFor();
          input = variant.make(await build(world, caller));
        }
        const answer = await send(server, caller.token, proc, input);
        sent.inputs++;
        if (answer.status >= 500) sent.serverErrors++;
        const problem = judge(proc, variant, input, answer);
        if (problem) problems.push(`${variant.label}: ${problem}`);
      }
      sent.procedures++;
      expect(problems).toEqual([]);
    },
    180_000,
  );

  it("leaves the server ready", async () => {
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
    expect(sent.serverErrors).toBe(0);
  });
});
