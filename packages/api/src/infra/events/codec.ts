import superjson from "superjson";
import { serializeValue } from "../serialize";

/**
 * How event data travels through Redis (other nodes, the backlog a stream replays): superjson, so
 * a Date published is a Date delivered, on every node and after a replay, as it is in-process.
 * (Plain JSON turned them into strings: a client resuming after a drop got `createdAt` as text.)
 */
export function encodeEvent(data: unknown): string {
  return JSON.stringify(serializeValue(data)); // superjson.stringify's text, through the fast path
}

/** Reads what encodeEvent wrote; an entry written as plain JSON (before superjson) reads as it was. */
export function decodeEvent<T>(text: string | undefined): T {
  const parsed = JSON.parse(text ?? "null") as unknown;
  if (parsed !== null && typeof parsed === "object" && "json" in parsed) {
    return superjson.deserialize(parsed as Parameters<typeof superjson.deserialize>[0]) as T;
  }
  return parsed as T;
}
