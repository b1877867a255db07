import { compareEventIds, defineChannel, type RunningServer, startServer, streamChannel } from "@p2p/api";
import { startTestServer, type TestServer } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeClient, waitFor } from "./helpers";
import { probeChannel, probeRouter } from "./probe-router";

let nodeA: TestServer;
let nodeB: TestServer;
let restarted: RunningServer | undefined;
const clients: ReturnType<typeof probeClient>[] = [];
const connect = (url: string) => {
  const c = probeClient(url);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  nodeA = await startTestServer({ router: probeRouter });
  nodeB = await startTestServer({ router: probeRouter, stores: nodeA.stores });
});
afterAll(async () => {
  for (const c of clients) c.wsClient.close();
  await restarted?.close(500);
  await nodeB?.close();
  await nodeA?.close();
});

describe("event bus across nodes", () => {
  it("a subscription on one node receives an event published through the other", async () => {
    const received: number[] = [];
    const sub = connect(nodeA.url).client.probe.onEvent.subscribe(
      { key: "cross" },
      { onData: (e) => "n" in e.data && received.push(e.data.n) },
    );
    const publisher = connect(nodeB.url).client;
    // The subscription is live once an event published after it arrives; keep publishing until then.
    await waitFor(async () => {
      await publisher.probe.publish.mutate({ key: "cross", n: 0 });
      return received.length > 0;
    });
    await publisher.probe.publish.mutate({ key: "cross", n: 1 });
    await publisher.probe.publish.mutate({ key: "cross", n: 2 });
    await waitFor(() => received.includes(2));
    expect(received.filter((n) => n > 0)).toEqual([1, 2]);
    sub.unsubscribe();
  });

  it("a client whose server restarts reconnects and resumes from its last event, without loss or duplicates", async () => {
    const received: { id: string; n: number }[] = [];
    const sub = connect(nodeA.url).client.probe.onEvent.subscribe(
      { key: "resume" },
      { onData: (e) => "n" in e.data && received.push({ id: e.id, n: e.data.n }) },
    );
    const publisher = connect(nodeB.url).client;
    await waitFor(async () => {
      await publisher.probe.publish.mutate({ key: "resume", n: 0 });
      return received.length > 0;
    });
    await publisher.probe.publish.mutate({ key: "resume", n: 1 });
    await waitFor(() => received.some((e) => e.n === 1));

    // Node A goes away (graceful: clients are told to reconnect); events keep coming through node B.
    const port = nodeA.running.port;
    await nodeA.running.close(500);
    for (const n of [2, 3, 4]) await publisher.probe.publish.mutate({ key: "resume", n });

    // Node A comes back on the same port; the client resubscribes with its lastEventId.
    restarted = await startServer(nodeA.deps, { port, host: "127.0.0.1", router: probeRouter });
    await waitFor(() => received.some((e) => e.n === 4), 10_000);
    await publisher.probe.publish.mutate({ key: "resume", n: 5 });
    await waitFor(() => received.some((e) => e.n === 5));

    const ns = received.map((e) => e.n).filter((n) => n > 0);
    expect(ns).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
    sub.unsubscribe();
  });
});

describe("events published on two nodes at once", () => {
  it("reach a subscriber on either node all, in the order of their ids", async () => {
    const key = "two-writers";
    const controller = new AbortController();
    const streams = [nodeA, nodeB].map((node) =>
      streamChannel(node.deps.events, probeChannel, key, { signal: controller.signal }),
    );
    const received: string[][] = [[], []];
    const reading = streams.map(async (stream, i) => {
      for await (const event of stream) (received[i] as string[]).push(event.id);
    });
    // Started: both have heard one event published after they began.
    await waitFor(async () => {
      await nodeA.deps.events.publish(probeChannel, key, { n: 0 });
      return received.every((ids) => ids.length > 0);
    });
    const published = await Promise.all(
      Array.from({ length: 300 }, (_, n) => (n % 2 ? nodeA : nodeB).deps.events.publish(probeChannel, key, { n })),
    );
    const ids = (published as string[]).sort(compareEventIds);
    const wanted = new Set(ids);
    const ours = (got: string[]) => got.filter((id) => wanted.has(id));
    await waitFor(() => received.every((got) => ours(got).length >= ids.length), 10_000).catch(() => {});
    controller.abort();
    await Promise.all(reading);
    for (const got of received) expect(ours(got)).toEqual(ids);
  });
});

describe("event data across nodes", () => {
  it("a Date published on one node is a Date on the other and in a replay", async () => {
    const channel = defineChannel<{ at: Date; label: string }>("test.dates");
    const at = new Date("2026-11-29T10:00:00.000Z");
    const received: { at: Date; label: string }[] = [];
    const stop = nodeB.deps.events.subscribe(channel, "k", (e) => received.push(e.data));
    await nodeB.deps.events.whenSubscribed(channel, "k");
    await nodeA.deps.events.publish(channel, "k", { at, label: "x" });
    await waitFor(() => received.length === 1);
    stop();
    expect(received[0]?.at).toBeInstanceOf(Date);
    expect(received[0]?.at.toISOString()).toBe(at.toISOString());
    const { events } = await nodeB.deps.events.replay(channel, "k", "0-0");
    expect(events.map((e) => e.data)).toEqual([{ at, label: "x" }]);
  });
});

describe("a new subscriber", () => {
  it("gets an event published while its stream was starting, and none from before", async () => {
    const { events } = nodeA.deps;
    await events.publish(probeChannel, "starting", { n: 0 });
    const stream = streamChannel(events, probeChannel, "starting");
    const first = stream.next();
    await events.publish(probeChannel, "starting", { n: 1 });
    await events.publish(probeChannel, "starting", { n: 2 });
    const received = [(await first).value?.data.n, (await stream.next()).value?.data.n];
    await stream.return(undefined);
    expect(received).toEqual([1, 2]);
  });
});

describe("slow subscribers", () => {
  it("catch up from the backlog instead of queueing without bound, losing nothing", async () => {
    const { events } = nodeB.deps;
    const stream = streamChannel(events, probeChannel, "slow", { maxQueued: 10 });
    const first = stream.next(); // starts the stream
    await events.publish(probeChannel, "slow", { n: 1 });
    const received = [(await first).value?.data.n]; // it is listening now
    for (let n = 2; n <= 50; n++) await events.publish(probeChannel, "slow", { n });
    while (received.length < 50) received.push((await stream.next()).value?.data.n);
    await stream.return(undefined);
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});
