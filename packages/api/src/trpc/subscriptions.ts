import { type TrackedEnvelope, tracked } from "@trpc/server";
import type { BusEvent } from "../infra/events/bus";

/** A service's event stream as tRPC tracked events: each carries its id, the client's resume cursor. */
export async function* trackedStream<T>(stream: AsyncIterable<BusEvent<T>>): AsyncGenerator<TrackedEnvelope<T>> {
  for await (const event of stream) yield tracked(event.id, event.data);
}
