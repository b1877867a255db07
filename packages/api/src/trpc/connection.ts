import { randomUUID } from "node:crypto";
import { RateLimiterMemory } from "rate-limiter-flexible";
import type { Config } from "../config";
import type { Metrics } from "../infra/metrics";
import { appError } from "../lib/errors";

/**
 * What one WebSocket connection may use: at most `maxSubscriptions` open subscriptions and
 * `callsPerSecond` calls (a frame's batch is also capped, like HTTP's). HTTP needs none of this:
 * each request is bounded by its batch size and the general limits.
 */
export class ConnectionLimits {
  private readonly calls: RateLimiterMemory;

  constructor(
    private readonly limits: Config["limits"]["ws"],
    private readonly metrics?: Metrics,
  ) {
    this.calls = new RateLimiterMemory({ points: limits.callsPerSecond, duration: 1 });
  }

  /** State for one new connection. */
  open(): Connection {
    // toLowerCase (a no-op on a UUID) makes it one flat string: randomUUID() returns one built from
    // ~20 concatenated pieces, ~0.45 KiB that an id kept for the connection's life would hold.
    return { id: randomUUID().toLowerCase(), subscriptions: 0, limits: this };
  }

  async takeCall(connection: Connection): Promise<void> {
    try {
      await this.calls.consume(connection.id);
    } catch {
      throw appError("RATE_LIMITED", `At most ${this.limits.callsPerSecond} calls per second on one connection`, {
        retryAfter: 1,
      });
    }
  }

  /** Counts a subscription in; `endSubscription` counts it out. */
  startSubscription(connection: Connection): void {
    if (connection.subscriptions >= this.limits.maxSubscriptions) {
      throw appError(
        "RATE_LIMITED",
        `At most ${this.limits.maxSubscriptions} open subscriptions on one connection: stop one first`,
      );
    }
    connection.subscriptions++;
    this.metrics?.wsSubscriptions.inc();
  }

  /** Counts out a subscription `startSubscription` counted in; once per subscription. */
  endSubscription(connection: Connection): void {
    connection.subscriptions--;
    this.metrics?.wsSubscriptions.dec();
  }
}

export interface Connection {
  id: string;
  subscriptions: number;
  limits: ConnectionLimits;
}
