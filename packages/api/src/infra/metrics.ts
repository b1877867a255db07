import type { Redis } from "ioredis";
import type { MongoClient } from "mongodb";
import type pg from "pg";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { settleWithin } from "../lib/timeout";

/** Latency buckets (seconds) of calls and requests: 5 ms to 10 s. */
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Cross-node event delivery lag (seconds): 1 ms to 5 s. */
const LAG_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** How long a scrape waits for the job queue's counts before leaving them out. */
const QUEUE_COUNTS_TIMEOUT_MS = 500;

/** One label set of a `CallSeries`: how many calls, and how many timed, their total and per latency bucket. */
class Series {
  count = 0;
  timed = 0;
  sum = 0;
  /** Per bucket, not cumulative: [i] counts the values above SECONDS[i - 1] up to SECONDS[i]. */
  readonly buckets = SECONDS.map(() => 0);

  constructor(readonly labels: Record<string, string>) {}

  /** One call; `seconds` null: counted, not timed. */
  record(seconds: number | null): void {
    this.count++;
    if (seconds === null) return;
    this.timed++;
    this.sum += seconds;
    for (let i = 0; i < SECONDS.length; i++) {
      if (seconds <= (SECONDS[i] as number)) {
        (this.buckets[i] as number)++;
        return;
      }
    }
  }
}

/**
 * A counter of calls and a histogram of their latency (SECONDS) with the same labels, counted in
 * plain numbers: prom-client's own counter and histogram check and hash their labels on every
 * call, a few µs of every request. The registry reads them in prom-client's counter and histogram
 * formats when scraped (the same series, lines and label order as prom-client writes). Recording
 * creates no function: under tsx (how the server runs) each one created is named by a
 * defineProperty, which cost more than the rest.
 */
class CallSeries {
  private readonly series: Series[] = [];
  /**
   * The series by their label values, one Map level per label: a call finds its own with one
   * lookup per label, and builds no key string (a joined key cost ~1 µs of every request).
   */
  private readonly byValues = new Map<string | number, unknown>();

  constructor(
    registry: Registry,
    private readonly labelNames: readonly string[],
    counter: { name: string; help: string },
    histogram: { name: string; help: string },
  ) {
    const all = () => this.series;
    const metric = (def: { name: string; help: string }, type: "counter" | "histogram", values: () => unknown[]) => {
      const get = async () => ({ ...def, type, aggregator: "sum", values: values() });
      const reset = () => {
        this.series.length = 0;
        this.byValues.clear();
      };
      return { ...def, type, aggregator: "sum", get, getForPromString: get, reset };
    };
    // Registered as they are: the registry needs only a name, get() and reset() of a metric.
    registry.registerMetric(
      metric(counter, "counter", () => all().map((s) => ({ labels: s.labels, value: s.count }))) as unknown as Counter,
    );
    const bucket = `${histogram.name}_bucket`;
    registry.registerMetric(
      metric(histogram, "histogram", () =>
        all()
          .filter((s) => s.timed > 0)
          .flatMap((s) => {
            let below = 0;
            const shared = { sharedLabels: s.labels };
            return [
              ...SECONDS.map((le, i) => {
                below += s.buckets[i] as number;
                return { labels: { le }, ...shared, value: below, metricName: bucket };
              }),
              { labels: { le: "+Inf" }, ...shared, value: s.timed, metricName: bucket },
              { labels: {}, ...shared, value: s.sum, metricName: `${histogram.name}_sum` },
              { labels: {}, ...shared, value: s.timed, metricName: `${histogram.name}_count` },
            ];
          }),
      ) as unknown as Histogram,
    );
  }

  /** The series of these label values (in `labelNames`' order), created when first recorded. */
  of(...values: (string | number)[]): Series {
    const last = values.length - 1;
    let level = this.byValues;
    for (let i = 0; i < last; i++) {
      const value = values[i] as string | number;
      let next = level.get(value) as Map<string | number, unknown> | undefined;
      if (!next) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    }
    const key = values[last] as string | number;
    let series = level.get(key) as Series | undefined;
    if (!series) {
      series = new Series(Object.fromEntries(this.labelNames.map((name, i) => [name, String(values[i])])));
      level.set(key, series);
      this.series.push(series);
    }
    return series;
  }
}

/** What the metrics read from the job queue on scrape (infra/jobs/jobs.ts). */
export interface QueueCounts {
  counts(): Promise<Record<string, number>>;
  /** Whether the queue's Redis connection is ready. */
  connected(): boolean;
}

/**
 * One node's Prometheus metrics, in a registry of its own (not prom-client's global one): every
 * `createDeps` builds one, so two servers in one process (tests) never share or clash. Served at
 * GET /metrics (app.ts, docs/operations.md "Metrics").
 *
 * Recording is cheap on the hot path: calls and requests are counted in plain numbers
 * (`CallSeries`); store and queue state is read only when scraped.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly httpCalls: CallSeries;
  private readonly wsCalls: CallSeries;
  /** Open WebSocket connections on this node. */
  readonly wsConnections: Gauge;
  /** Open subscriptions over WebSocket on this node. */
  readonly wsSubscriptions: Gauge;
  private readonly eventsPublished: Counter<"channel" | "kind">;
  private readonly eventLag: Histogram;
  private readonly jobFailures: Counter<"job" | "final">;
  private readonly rateLimited: Counter<"limit">;
  private readonly mongoPool = { open: 0, inUse: 0, waiting: 0, max: 0 };

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpCalls = new CallSeries(
      this.registry,
      ["method", "route", "procedure", "status"],
      {
        name: "p2p_http_requests_total",
        help: "HTTP requests by route pattern; tRPC calls over HTTP count one each (route /trpc, label procedure), also inside a batch",
      },
      {
        name: "p2p_http_request_duration_seconds",
        help: "HTTP request latency by route pattern; for tRPC calls, each call's own duration (a streamed batch answers each as it ends)",
      },
    );
    this.wsCalls = new CallSeries(
      this.registry,
      ["procedure", "status"],
      {
        name: "p2p_ws_calls_total",
        help: "tRPC calls over WebSocket (queries, mutations, subscription starts) by procedure and HTTP-equivalent status",
      },
      {
        name: "p2p_ws_call_duration_seconds",
        help: "Latency of tRPC calls over WebSocket (for a subscription: until it started)",
      },
    );
    this.wsConnections = new Gauge({ name: "p2p_ws_connections", help: "Open WebSocket connections", registers });
    this.wsSubscriptions = new Gauge({
      name: "p2p_ws_subscriptions",
      help: "Open subscriptions over WebSocket",
      registers,
    });
    this.eventsPublished = new Counter({
      name: "p2p_events_published_total",
      help: "Events this node published on the bus, by channel family and kind (publish: with backlog; broadcast: without)",
      labelNames: ["channel", "kind"],
      registers,
    });
    this.eventLag = new Histogram({
      name: "p2p_event_delivery_lag_seconds",
      help: "From an event's append on Redis (its stream id's time, Redis's clock) to its delivery on this node, for events from other nodes",
      buckets: LAG_SECONDS,
      registers,
    });
    this.jobFailures = new Counter({
      name: "p2p_job_failures_total",
      help: "Failed job attempts on this node's worker; final=true when no attempt is left",
      labelNames: ["job", "final"],
      registers,
    });
    this.rateLimited = new Counter({
      name: "p2p_rate_limited_total",
      help: "Requests refused by the general rate limit, by the limit that refused them",
      labelNames: ["limit"],
      registers,
    });
  }

  /**
   * One HTTP request (by route pattern, never the raw path) or one tRPC call over HTTP (route
   * "/trpc", its procedure). `seconds` null: the call ended before it ran (counted, not timed).
   */
  http(method: string, route: string, procedure: string, status: number, seconds: number | null): void {
    this.httpCalls.of(method, route, procedure, status).record(seconds);
  }

  /** One tRPC call over WebSocket. */
  ws(procedure: string, status: number, seconds: number | null): void {
    this.wsCalls.of(procedure, status).record(seconds);
  }

  eventPublished(channel: string, kind: "publish" | "broadcast"): void {
    this.eventsPublished.inc({ channel, kind });
  }

  eventDelivered(lagMs: number): void {
    // Clocks of Redis and this node may differ a little: never a negative lag.
    this.eventLag.observe(lagMs > 0 ? lagMs / 1000 : 0);
  }

  jobFailed(job: string, final: boolean): void {
    this.jobFailures.inc({ job, final: final ? "true" : "false" });
  }

  rateLimitedBy(limit: string): void {
    this.rateLimited.inc({ limit });
  }

  /**
   * Counts the MongoDB driver's pool (CMAP events) from here on; call before the client connects
   * so no connection is missed.
   */
  watchMongoPool(client: MongoClient, maxPoolSize: number): void {
    const pool = this.mongoPool;
    pool.max = maxPoolSize;
    client.on("connectionCreated", () => void pool.open++);
    client.on("connectionClosed", () => void pool.open--);
    client.on("connectionCheckOutStarted", () => void pool.waiting++);
    client.on("connectionCheckOutFailed", () => void pool.waiting--);
    client.on("connectionCheckedOut", () => {
      pool.waiting--;
      pool.inUse++;
    });
    client.on("connectionCheckedIn", () => void pool.inUse--);
  }

  /** Gauges read on scrape: connection pools, Redis connections, the job queue, deferred events. */
  watchStores(sources: {
    postgres: pg.Pool;
    postgresMax: number;
    redis: Record<string, Redis>;
    jobs: QueueCounts;
    deferredEvents(): number;
  }): void {
    const registers = [this.registry];
    const mongo = this.mongoPool;
    new Gauge({
      name: "p2p_db_pool_connections",
      help: "Connections of a store's pool by state (open = idle + in_use; waiting = callers waiting for one)",
      labelNames: ["store", "state"],
      registers,
      collect() {
        const pgPool = sources.postgres;
        this.set({ store: "postgres", state: "open" }, pgPool.totalCount);
        this.set({ store: "postgres", state: "idle" }, pgPool.idleCount);
        this.set({ store: "postgres", state: "in_use" }, pgPool.totalCount - pgPool.idleCount);
        this.set({ store: "postgres", state: "waiting" }, pgPool.waitingCount);
        this.set({ store: "mongo", state: "open" }, Math.max(0, mongo.open));
        this.set({ store: "mongo", state: "idle" }, Math.max(0, mongo.open - mongo.inUse));
        this.set({ store: "mongo", state: "in_use" }, Math.max(0, mongo.inUse));
        this.set({ store: "mongo", state: "waiting" }, Math.max(0, mongo.waiting));
      },
    });
    new Gauge({
      name: "p2p_db_pool_max_connections",
      help: "A store's pool size limit (MongoDB: per server)",
      labelNames: ["store"],
      registers,
      collect() {
        this.set({ store: "postgres" }, sources.postgresMax);
        this.set({ store: "mongo" }, mongo.max);
      },
    });
    new Gauge({
      name: "p2p_redis_connected",
      help: "1 while a Redis connection is ready, else 0",
      labelNames: ["connection"],
      registers,
      collect() {
        for (const [connection, redis] of Object.entries(sources.redis)) {
          this.set({ connection }, redis.status === "ready" ? 1 : 0);
        }
        this.set({ connection: "jobs" }, sources.jobs.connected() ? 1 : 0);
      },
    });
    new Gauge({
      name: "p2p_job_queue_jobs",
      help: "Jobs in the queue by state (all nodes share the queue); absent when Redis did not answer within 500 ms",
      labelNames: ["state"],
      registers,
      async collect() {
        this.reset();
        const read = sources.jobs.counts();
        if (!(await settleWithin(read, QUEUE_COUNTS_TIMEOUT_MS))) return;
        const counts = await read.catch(() => ({}) as Record<string, number>);
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    new Gauge({
      name: "p2p_events_deferred",
      help: "Events held in memory while Redis is unreachable, to publish once it is back",
      registers,
      collect() {
        this.set(sources.deferredEvents());
      },
    });
  }
}
