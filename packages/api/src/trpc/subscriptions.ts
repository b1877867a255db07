import { type TrackedEnvelope, tracked } from "@trpc/server";
import type { BusEvent } from "../infra/events/bus";
import { type IteratorHooks, wrapIterator } from "../lib/iterators";
import { sharedPayload } from "./transformer";

const toTracked: IteratorHooks<BusEvent<unknown>, TrackedEnvelope<unknown>> = {
  // The payload is the same object for every subscriber of the key on this node: serialized once.
  map: (event) => tracked(event.id, sharedPayload(event.data)),
};

/** A service's event stream as tRPC tracked events: each carries its id, the client's resume cursor. */
export function trackedStream<T>(stream: AsyncIterable<BusEvent<T>>): AsyncIterableIterator<TrackedEnvelope<T>> {
  return wrapIterator(stream, toTracked as IteratorHooks<BusEvent<T>, TrackedEnvelope<T>>);
}
