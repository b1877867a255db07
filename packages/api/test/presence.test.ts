import { startTestServer, type TestServer } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Presence, type PresenceScope, type PresenceState } from "../src/infra/presence/presence";
import { waitFor } from "./helpers";

let server: TestServer;
const nodes: Presence<null>[] = [];
/** Every state published, per key, in order, by whichever node published it. */
const published = new Map<string, PresenceState[]>();
const scope: PresenceScope<null> = {
  name: "test.room",
  async publish(_ctx, key, state) {
    published.set(key, [...(published.get(key) ?? []), state]);
  },
};
const statesOf = (key: string) => published.get(key) ?? [];
const last = (key: string) => statesOf(key).at(-1);

/** One node's presence, with short intervals so the test runs fast. */
function node(options: ConstructorParameters<typeof Presence<null>>[3] = {}) {
  const presence = new Presence<null>(server.deps.redis, server.deps.logger, [scope], {
    minIntervalMs: 200,
    perViewerMs: 20,
    maxIntervalMs: 1_000,
    ...options,
  });
  presence.start(null);
  nodes.push(presence);
  return presence;
}

beforeAll(async () => {
  server = await startTestServer({ runWorker: false });
});
afterAll(async () => {
  for (const n of nodes) await n.close();
  await server?.close();
});

describe("presence", () => {
  it("coalesces a burst of joins into a few states with the exact count and a bounded list", async () => {
    const a = node();
    const users = Array.from({ length: 60 }, (_, i) => `user-${String(i).padStart(2, "0")}`);
    const leaves = users.map((u) => a.join(scope.name, "burst", u));
    await waitFor(() => last("burst")?.count === 60);
    // 60 joins, not 60 states: the first one at once, the rest coalesced into the next interval.
    expect(statesOf("burst").length).toBeLessThanOrEqual(3);
    expect(last("burst")?.userIds).toHaveLength(20);
    expect(new Set(last("burst")?.userIds).size).toBe(20);

    for (const leave of leaves.slice(10)) leave();
    await waitFor(() => last("burst")?.count === 10);
    expect([...(last("burst")?.userIds ?? [])].sort()).toEqual(users.slice(0, 10));
    for (const leave of leaves) leave(); // leaving twice changes nothing
    await waitFor(() => last("burst")?.count === 0);
    expect(last("burst")?.userIds).toEqual([]);
  });

  it("counts a person once across tabs and nodes, and lists them while any session stays", async () => {
    const a = node();
    const b = node();
    const leaveA1 = a.join(scope.name, "tabs", "alice");
    const leaveA2 = a.join(scope.name, "tabs", "alice");
    const leaveB = b.join(scope.name, "tabs", "alice");
    b.join(scope.name, "tabs", "bob");
    await waitFor(() => last("tabs")?.count === 2);
    expect(a.localSessions(scope.name, "tabs")).toBe(2);

    leaveA1();
    leaveB();
    // Alice still has a tab on node A: the next state (bob's tab arriving) still counts her.
    b.join(scope.name, "tabs", "carol");
    await waitFor(() => last("tabs")?.count === 3);
    expect([...(last("tabs")?.userIds ?? [])].sort()).toEqual(["alice", "bob", "carol"]);

    leaveA2();
    await waitFor(() => last("tabs")?.count === 2);
    expect([...(last("tabs")?.userIds ?? [])].sort()).toEqual(["bob", "carol"]);
  });

  it("publishes at most once per interval across nodes", async () => {
    const a = node({ minIntervalMs: 500, perViewerMs: 0 });
    const b = node({ minIntervalMs: 500, perViewerMs: 0 });
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      (i % 2 ? a : b).join(scope.name, "gate", `u${i}`);
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => last("gate")?.count === 20);
    const elapsed = Date.now() - started;
    // One state at once, then at most one per 500 ms, whichever node publishes it.
    expect(statesOf("gate").length).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 500));
  });

  it("drops the viewers of a node that died without leaving, on the next heartbeat", async () => {
    const a = node({ heartbeatMs: 100 });
    a.join(scope.name, "ghost", "alive");
    await waitFor(() => last("ghost")?.count === 1);
    // A viewer of a node that died: nobody refreshes it, it expires in a second.
    const set = `${server.deps.redis.prefix}presence:{${scope.name}:ghost}`;
    await server.deps.redis.command.zadd(set, Date.now() + 1_000, "dead|node");
    a.join(scope.name, "ghost", "alive"); // a change, so the dead viewer is published once
    await waitFor(() => last("ghost")?.count === 2);
    await waitFor(() => last("ghost")?.count === 1, 3_000);
    expect(last("ghost")?.userIds).toEqual(["alive"]);
  });
});
