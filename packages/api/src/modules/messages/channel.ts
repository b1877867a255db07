import type { MyEvent } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import { defineChannel } from "../../infra/events/bus";

/**
 * The personal stream of each user (`me.onEvents`), keyed by user id: everything addressed to that
 * person. Messages own it; other modules (presence, later notifications) add their events here.
 */
export const personalChannel = defineChannel<MyEvent>("me");

/** Kept in the user's backlog, so a reconnecting client gets it (exactly once) when it resumes. */
export const publishToUser = (deps: AppDeps, userId: string, event: MyEvent) =>
  deps.events.publish(personalChannel, userId, event);

/** Only for whoever is connected now (typing, presence): not replayed on resume. */
export const signalToUser = (deps: AppDeps, userId: string, event: MyEvent) =>
  deps.events.broadcast(personalChannel, userId, event);
