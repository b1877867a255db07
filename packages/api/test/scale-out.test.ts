/**
 * Two API nodes behind one address, as docker-compose.yml runs them (HAProxy in front of two
 * replicas), without Docker: two nodes on the same stores and a small reverse proxy in this
 * process (http-proxy-3: round robin, WebSocket upgrades, a node taken out of rotation when its
 * /health/ready fails or it refuses a connection). A client that only knows the proxy's address
 * keeps its live subscription through a rolling restart of both nodes, losing and repeating nothing.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type RunningServer, S3Storage, startServer } from "@p2p/api";
import type { P2PClient, RouterOutputs } from "@p2p/client";
import type { TopicEvent } from "@p2p/schemas";
import { addMember, signUpAdmin, startTestServer, type TestServer, type TestUser, testClient } from "@p2p/testkit";
import { createProxyServer } from "http-proxy-3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "./helpers";

interface Upstream {
  url: string;
  up: boolean;
}

/** A reverse proxy for HTTP and WebSocket over `upstreams`, like deploy/haproxy.cfg, in-process. */
interface Balancer {
  url: string;
  upstreams: Upstream[];
  /** The upstream each HTTP request went to, in order. */
  requests: string[];
  /** The upstream each WebSocket upgrade went to, in order. */
  upgrades: string[];
  /** Hold new WebSocket upgrades until `release()`: a client that reconnects now waits. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

async function startBalancer(urls: string[]): Promise<Balancer> {
  const upstreams: Upstream[] = urls.map((url) => ({ url, up: true }));
  const proxy = createProxyServer({ ws: true, xfwd: true, proxyTimeout: 10_000 });
  const requests: string[] = [];
  const upgrades: string[] = [];
  let next = 0;
  let held: (() => void)[] | null = null;
  // Round robin over the upstreams in rotation (all of them when none is).
  const pick = () => {
    const candidates = upstreams.some((u) => u.up) ? upstreams.filter((u) => u.up) : upstreams;
    return candidates[next++ % candidates.length] as Upstream;
  };
  // A refused connection takes the node out of rotation at once; the health check brings it back.
  const failed = (upstream: Upstream, err: Error & { code?: string }) => {
    if (err.code === "ECONNREFUSED" || err.code === "ECONNRESET") upstream.up = false;
  };

  const server: Server = createServer((req, res) => {
    const upstream = pick();
    requests.push(upstream.url);
    proxy.web(req, res, { target: upstream.url }, (err) => {
      failed(upstream, err);
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end("bad gateway");
    });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const forwardUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (socket.destroyed) return;
    const upstream = pick();
    upgrades.push(upstream.url);
    proxy.ws(req, socket, head, { target: upstream.url }, (err) => {
      failed(upstream, err);
      socket.destroy(); // the client reconnects, and is sent elsewhere
    });
  };
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (held) held.push(() => forwardUpgrade(req, socket, head));
    else forwardUpgrade(req, socket, head);
  });

  // Active health check, as HAProxy's `check` on /health/ready.
  const checks = setInterval(() => {
    for (const upstream of upstreams) {
      fetch(`${upstream.url}/health/ready`, { signal: AbortSignal.timeout(1_000) }).then(
        (res) => {
          upstream.up = res.ok;
        },
        () => {
          upstream.up = false;
        },
      );
    }
  }, 100);

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    upstreams,
    requests,
    upgrades,
    hold: () => {
      held ??= [];
    },
    release: () => {
      const waiting = held ?? [];
      held = null;
      for (const go of waiting) go();
    },
    close: async () => {
      clearInterval(checks);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      proxy.close();
    },
  };
}

type Category = RouterOutputs["forums"]["listCategories"][number];

let nodeA: TestServer;
let nodeB: TestServer;
let balancer: Balancer;
let admin: TestUser;
let member: TestUser;
let category: Category;
const cleanups: (() => unknown)[] = [];
const restarted: RunningServer[] = [];

/** A client that knows only the proxy's address. */
const viaProxy = (user: TestUser): P2PClient => {
  const client = testClient(balancer.url, { token: user.token });
  cleanups.push(() => client.close());
  return client;
};

beforeAll(async () => {
  nodeA = await startTestServer();
  nodeB = await startTestServer({ stores: nodeA.stores });
  balancer = await startBalancer([nodeA.url, nodeB.url]);
  admin = await signUpAdmin(nodeA);
  member = await addMember(nodeA, admin);
  category = (await admin.client.forums.listCategories.query())[0] as Category;
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await balancer?.close();
  for (const running of restarted) await running.close(500);
  await nodeB?.close();
  await nodeA?.close();
});

describe("two API nodes behind one address", () => {
  it("start at the same time against a bucket that does not exist yet", async () => {
    // Both see no bucket and both create it: the second is told it already owns it, and starts.
    // (This file's nodes store files locally: its own bucket is still free.)
    const { s3 } = inject("services");
    const bucket = nodeA.stores.storage.bucket;
    const node = () => new S3Storage({ ...s3, bucket });
    await expect(Promise.all([node().ensureBucket(), node().ensureBucket()])).resolves.toBeDefined();
  });

  it("serves HTTP from both nodes, round robin, for the same session", async () => {
    const client = viaProxy(admin);
    const from = balancer.requests.length;
    // Nothing is kept per node: a session signed in on node A is known to both.
    for (let i = 0; i < 4; i++) expect((await client.auth.me.query()).user.id).toBe(admin.userId);
    expect(new Set(balancer.requests.slice(from))).toEqual(new Set([nodeA.url, nodeB.url]));
  });

  it("a live subscription survives a rolling restart of both nodes, resuming from its last event id", async () => {
    const topic = await admin.client.forums.createTopic.mutate({
      title: "Rolling restart behind the proxy",
      body: "<p>Does the feed keep up?</p>",
      categoryId: category.id,
      visibility: "organization",
    });
    const events: { id: string; data: TopicEvent }[] = [];
    let error: unknown;
    const subscriber = viaProxy(admin);
    const sub = subscriber.forums.onTopic.subscribe(
      { topicId: topic.id },
      {
        onData: (e) => events.push(e),
        onError: (err) => {
          error = err;
        },
      },
    );
    cleanups.push(() => sub.unsubscribe());
    const created = () => events.flatMap((e) => (e.data.type === "post.created" ? [e.data.post.id] : []));
    // Listening once its own presence came back.
    await waitFor(() =>
      events.some((e) => e.data.type === "presence" && e.data.viewers.some((v) => v.id === admin.userId)),
    );

    const posted: string[] = [];
    const post = async (client: P2PClient, label: string) => {
      posted.push((await client.forums.createPost.mutate({ topicId: topic.id, body: `<p>${label}</p>` })).id);
    };
    const writer = viaProxy(member);
    const nodes: { node: TestServer; running: RunningServer }[] = [
      { node: nodeA, running: nodeA.running },
      { node: nodeB, running: nodeB.running },
    ];

    for (const round of [1, 2]) {
      // The node holding the subscription's WebSocket, and the other one.
      const servingUrl = balancer.upgrades.at(-1);
      const serving = nodes.find((n) => n.node.url === servingUrl);
      const other = nodes.find((n) => n !== serving);
      if (!serving || !other) throw new Error(`the subscription went to an unknown upstream: ${servingUrl}`);

      // Before: through the proxy, delivered live.
      await post(writer, `round ${round}: before`);
      await waitFor(() => created().length === posted.length);

      // The serving node stops (clients are told to reconnect). The client's new WebSocket is held
      // at the proxy, so what is published meanwhile can only reach it through the resume.
      balancer.hold();
      const upgradesBefore = balancer.upgrades.length;
      await serving.running.close(500);
      const direct = testClient(other.node.url, { token: member.token });
      cleanups.push(() => direct.close());
      await post(direct, `round ${round}: during 1`);
      await post(direct, `round ${round}: during 2`);
      expect(created()).toHaveLength(posted.length - 2);

      // The proxy sees the node gone, then lets the reconnect through: to the other node.
      const upstream = balancer.upstreams.find((u) => u.url === serving.node.url);
      await waitFor(() => upstream && !upstream.up);
      balancer.release();
      await waitFor(() => created().length === posted.length, 10_000);
      expect(balancer.upgrades.slice(upgradesBefore)).toEqual([other.node.url]);

      // After: through the proxy, which now sends everything to the node that is left.
      await post(writer, `round ${round}: after`);
      await waitFor(() => created().length === posted.length);

      // The stopped node comes back on its port (a restart) and rejoins the rotation; next round
      // stops the other one.
      const running = await startServer(serving.node.deps, { port: serving.running.port, host: "127.0.0.1" });
      restarted.push(running);
      serving.running = running;
      await waitFor(() => upstream?.up);
    }

    expect(error).toBeUndefined();
    // Every post exactly once, in order, and never a resync: nothing was lost.
    expect(created()).toEqual(posted);
    expect(events.some((e) => e.data.type === "resync")).toBe(false);
    const tracked = events.filter((e) => e.data.type !== "presence" && e.data.type !== "typing").map((e) => e.id);
    expect(new Set(tracked).size).toBe(tracked.length);
    sub.unsubscribe();
  });
});
