/**
 * Direct messages' lists and counts, EXPLAINed on 220k messages between 2,000 people: the
 * conversation list, history (with date filters and a cursor), unread counts, the retry lookup
 * and delivering what waited for someone who shows their presence again must each be served by an index, never a sequential scan of messages or conversations.
 */
import { createDb } from "@p2p/api";
import { createTestStores, type TestStores } from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Db } from "../../src/infra/postgres/db";
import {
  conversationsQuery,
  findByClientIdQuery,
  historyQuery,
  markAllDeliveredQuery,
  unreadTotalQuery,
} from "../../src/modules/messages/repo";
import { explainQuery, seqScansOf } from "../plans";

const USERS = 2_000;
const PAIRS = 10_000;
const MESSAGES = 200_000;
/** One busy conversation (users 1 and 2) on top. */
const HOT = 20_000;

let stores: TestStores;
let db: Db;
let me: string;
let peer: string;

beforeAll(async () => {
  stores = await createTestStores(inject("services"));
  db = createDb({ url: stores.env.DATABASE_URL as string, poolSize: 2 });
  await sql`
    insert into organizations (id, name, industry, size, country, city)
    select gen_random_uuid(), 'DM org ' || i, 'manufacturing', '11-50', 'SA', 'Riyadh'
    from generate_series(1, 20) i`.execute(db);
  await sql`
    insert into users (id, organization_id, email, first_name, last_name, role)
    select gen_random_uuid(), o.ids[1 + i % 20], 'dm' || lpad(i::text, 5, '0') || '@example.com', 'Dm', 'User ' || i, 'member'
    from generate_series(1, ${USERS}) i, (select array_agg(id order by name) ids from organizations) o`.execute(db);
  // Pair p joins users (p mod N) and (7p + 13 mod N); messages alternate direction; 10% unread.
  await sql`
    with u as (select array_agg(id order by email) ids from users),
    pairs as (
      select p, u.ids[1 + p % ${USERS}] a, u.ids[1 + (p * 7 + 13) % ${USERS}] b from generate_series(1, ${PAIRS}) p, u
    ),
    msgs as (
      select i, p.a, p.b from generate_series(1, ${MESSAGES}) i join pairs p on p.p = 1 + i % ${PAIRS} where p.a <> p.b
      union all
      select ${MESSAGES} + i, u.ids[1], u.ids[2] from generate_series(1, ${HOT}) i, u
    )
    insert into messages (id, sender_id, recipient_id, client_message_id, body, created_at, delivered_at, read_at)
    select gen_random_uuid(), case when i % 2 = 0 then a else b end, case when i % 2 = 0 then b else a end,
      'plan-' || i, 'Message ' || i, now() - (${MESSAGES + HOT} - i) * interval '1 second',
      now(), case when i % 10 <> 0 then now() end
    from msgs`.execute(db);
  await sql`
    insert into conversations (user_id, peer_id, last_message_at)
    select a, b, max(created_at) from (
      select sender_id a, recipient_id b, created_at from messages
      union all
      select recipient_id, sender_id, created_at from messages
    ) both_ways group by a, b`.execute(db);
  await sql`analyze`.execute(db);
  const users = await db.selectFrom("users").select("id").orderBy("email").limit(2).execute();
  me = users[0]?.id as string;
  peer = users[1]?.id as string;
}, 180_000);
afterAll(async () => {
  await db?.destroy();
  await stores?.drop();
});

const noSeqScan = async (query: Parameters<typeof explainQuery>[1], index: string) => {
  const plan = await explainQuery(db, query);
  expect(seqScansOf(plan, "messages"), plan.key).toBe(0);
  expect(seqScansOf(plan, "conversations"), plan.key).toBe(0);
  expect(
    plan.nodes.some((n) => n["Index Name"] === index),
    plan.key,
  ).toBe(true);
  return plan;
};

describe("direct message query plans at 220k messages", () => {
  it("history of a busy conversation: newest first, by date and from a cursor", async () => {
    const middle = new Date(Date.now() - (HOT / 2) * 1000);
    for (const filter of [
      {},
      { before: middle },
      { after: middle },
      { before: middle, after: new Date(middle.getTime() - 60_000) },
    ]) {
      await noSeqScan(historyQuery(db, me, peer, filter, null, 50), "messages_history");
    }
    const [row] = await historyQuery(db, me, peer, {}, null, 50).execute();
    expect(row).toBeDefined();
    await noSeqScan(historyQuery(db, me, peer, {}, [middle.toISOString(), row?.id as string], 50), "messages_history");
  });

  it("the conversation list with last messages and unread counts, also filtered by name", async () => {
    const plan = await noSeqScan(conversationsQuery(db, me, undefined, null, 20), "conversations_recent");
    expect(
      plan.nodes.some((n) => n["Index Name"] === "messages_unread"),
      plan.key,
    ).toBe(true);
    expect((await conversationsQuery(db, me, undefined, null, 20).execute()).length).toBeGreaterThan(0);
    await noSeqScan(conversationsQuery(db, me, "user 1", null, 20), "conversations_recent");
  });

  it("the unread total and the retried-send lookup", async () => {
    await noSeqScan(unreadTotalQuery(db, me), "messages_unread");
    const sender = (
      await db.selectFrom("messages").select("senderId").where("clientMessageId", "=", "plan-7").executeTakeFirst()
    )?.senderId;
    await noSeqScan(findByClientIdQuery(db, sender as string, "plan-7"), "messages_client_id");
  });

  it("delivering what waited while someone hid their presence", async () => {
    await noSeqScan(markAllDeliveredQuery(db, me), "messages_unread");
  });
});
