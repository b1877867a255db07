import { WebSocket, type WebSocketServer } from "ws";

/**
 * Keep-alive for every socket of a WebSocket server, from one timer: every `pingMs` each socket
 * that sent nothing since the last round is sent "PING" (tRPC's clients answer "PONG"; any message
 * counts) and cut if it is still silent `pongWaitMs` later. A dead peer is found within
 * `pingMs`–2 × `pingMs` + `pongWaitMs` of its last message; a proxy sees traffic at least every
 * 2 × `pingMs`. tRPC's adapter offers the same with two timers and four closures per socket
 * (~0.8 KiB each, bench/RESULTS.md); this costs a socket one shared listener. Returns the stop.
 */
export function keepAlive(wss: WebSocketServer, { pingMs, pongWaitMs }: { pingMs: number; pongWaitMs: number }) {
  // When each socket last sent something. Weak: a socket that closed is not kept.
  const lastHeard = new WeakMap<WebSocket, number>();
  function heardFrom(this: WebSocket) {
    lastHeard.set(this, performance.now());
  }
  const silentSince = (ws: WebSocket, since: number) => (lastHeard.get(ws) ?? Number.NEGATIVE_INFINITY) < since;
  wss.on("connection", (ws) => ws.on("message", heardFrom));
  // More than one round's cut is pending when `pongWaitMs` is longer than `pingMs`.
  const cuts = new Set<NodeJS.Timeout>();
  let lastRound = performance.now();
  const round = setInterval(() => {
    const pingedAt = performance.now();
    const quiet: WebSocket[] = [];
    for (const ws of wss.clients) {
      if (!silentSince(ws, lastRound) || ws.readyState !== WebSocket.OPEN) continue;
      ws.send("PING");
      quiet.push(ws);
    }
    lastRound = pingedAt;
    if (!quiet.length) return;
    const cut = setTimeout(() => {
      // Dropped once done: the pinged sockets (some closed since) are not kept until the next round.
      cuts.delete(cut);
      for (const ws of quiet) if (silentSince(ws, pingedAt)) ws.terminate();
    }, pongWaitMs);
    cut.unref();
    cuts.add(cut);
  }, pingMs);
  round.unref();
  return () => {
    clearInterval(round);
    for (const cut of cuts) clearTimeout(cut);
    cuts.clear();
  };
}
