import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { keepAlive } from "../src/infra/http/ws-keep-alive";

let wss: WebSocketServer;
let stop: () => void;
let url: string;

beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  stop = keepAlive(wss, { pingMs: 200, pongWaitMs: 100 });
});

afterAll(async () => {
  stop();
  for (const ws of wss.clients) ws.terminate();
  await new Promise((resolve) => wss.close(resolve));
});

/** A client that answers the server's "PING" with "PONG" (as tRPC's does) or not, recording what it was sent. */
async function client(answers: boolean) {
  const ws = new WebSocket(url);
  const received: string[] = [];
  ws.on("message", (data) => {
    received.push(String(data));
    if (answers && String(data) === "PING") ws.send("PONG");
  });
  const closed = once(ws, "close");
  await once(ws, "open");
  return { ws, received, closed };
}

describe("WebSocket keep-alive (one timer per server)", () => {
  it("pings a quiet socket and keeps it while it answers; cuts one that stays silent", async () => {
    const answering = await client(true);
    const silent = await client(false);
    // Silent: pinged within a round, and cut.
    await silent.closed;
    expect(silent.received).toContain("PING");
    // Answering: pinged too, and still open several rounds later.
    await new Promise((r) => setTimeout(r, 700));
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
    expect(answering.received).toContain("PING");
    answering.ws.close();
  });

  it("does not ping a socket that keeps talking", async () => {
    const chatty = await client(false);
    const talk = setInterval(() => chatty.ws.send("hello"), 50);
    await new Promise((r) => setTimeout(r, 700));
    clearInterval(talk);
    expect(chatty.ws.readyState).toBe(WebSocket.OPEN);
    expect(chatty.received).not.toContain("PING");
    chatty.ws.close();
  });

  it("once stopped, cuts nothing: every round's pending cut is cleared, not only the last", async () => {
    // A second server whose wait for an answer spans several rounds, so several cuts are pending.
    const other = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await once(other, "listening");
    const stopOther = keepAlive(other, { pingMs: 50, pongWaitMs: 400 });
    const otherUrl = `ws://127.0.0.1:${(other.address() as AddressInfo).port}`;
    // One that stays silent is cut; one that answers each ping stays, though its cut is checked
    // rounds after its answer.
    const silent = new WebSocket(otherUrl);
    const silentClosed = once(silent, "close");
    const answering = new WebSocket(otherUrl);
    answering.on("message", (data) => String(data) === "PING" && answering.send("PONG"));
    await Promise.all([once(silent, "open"), once(answering, "open")]);
    await silentClosed;
    await new Promise((r) => setTimeout(r, 200));
    expect(answering.readyState).toBe(WebSocket.OPEN);
    answering.close();

    const kept = new WebSocket(otherUrl);
    const pings: string[] = [];
    kept.on("message", (data) => pings.push(String(data)));
    await once(kept, "open");
    await new Promise((r) => setTimeout(r, 180)); // pinged in three rounds, none cut yet
    stopOther();
    await new Promise((r) => setTimeout(r, 600)); // past every cut's time
    expect(pings.length).toBeGreaterThanOrEqual(2);
    expect(kept.readyState).toBe(WebSocket.OPEN);
    kept.close();
    for (const ws of other.clients) ws.terminate();
    await new Promise((resolve) => other.close(resolve));
  });
});
