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
  // Weak: a socket that closed after talking is not kept until the next round.
  let heard = new WeakSet<WebSocket>();
  function heardFrom(this: WebSocket) {
    heard.add(this);
  }
  wss.on("connection", (ws) => ws.on("message", heardFrom));
  let cut: NodeJS.Timeout | undefined;
  const round = setInterval(() => {
    const quiet: WebSocket[] = [];
    for (const ws of wss.clients) {
      if (heard.has(ws) || ws.readyState !== WebSocket.OPEN) continue;
      ws.send("PING");
      quiet.push(ws);
    }
    heard = new WeakSet();
    if (!quiet.length) return;
    cut = setTimeout(() => {
      // Dropped once done: the pinged sockets (some closed since) are not kept until the next round.
      cut = undefined;
      for (const ws of quiet) if (!heard.has(ws)) ws.terminate();
    }, pongWaitMs);
    cut.unref();
  }, pingMs);
  round.unref();
  return () => {
    clearInterval(round);
    clearTimeout(cut);
  };
}
