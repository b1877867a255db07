import type { MyEvent } from "@p2p/schemas";
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useRef } from "react";
import { useTRPC, useTRPCClient } from "../api";

export type { MyEvent };

type Listener = (event: MyEvent) => void;

const EventsContext = createContext<Set<Listener> | null>(null);

/**
 * Opens the personal stream once for the whole app (one WebSocket subscription, which the client
 * resumes from its last event id after a drop) and hands each event to the pages listening.
 * A `resync` (events lost beyond what the server keeps) refetches everything on screen.
 *
 * The server ends the stream when the caller's access changes (signed out in another tab, session
 * revoked, role changed): the session is asked again, so a signed-out page goes to sign-in at once
 * (RequireSession), and a still signed-in one opens the stream again from where it was.
 */
export function MyEventsProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const listeners = useRef(new Set<Listener>()).current;
  useEffect(() => {
    let closed = false;
    let lastEventId: string | null = null;
    let subscription: { unsubscribe(): void } | null = null;
    const recheckSession = () => void queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() });
    const open = () => {
      subscription = client.me.onEvents.subscribe(
        { lastEventId },
        {
          onData: ({ id, data }) => {
            lastEventId = id;
            if (data.type === "resync") {
              void queryClient.invalidateQueries();
              return;
            }
            for (const listener of listeners) listener(data);
          },
          onStopped: () => {
            if (closed) return;
            recheckSession();
            open();
          },
          onError: recheckSession,
        },
      );
    };
    open();
    return () => {
      closed = true;
      subscription?.unsubscribe();
    };
  }, [client, queryClient, trpc, listeners]);
  return <EventsContext.Provider value={listeners}>{children}</EventsContext.Provider>;
}

/** Calls `listener` with every personal event while the component is mounted. */
export function useMyEvents(listener: Listener): void {
  const listeners = useContext(EventsContext);
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    if (!listeners) return;
    const forward: Listener = (e) => latest.current(e);
    listeners.add(forward);
    return () => {
      listeners.delete(forward);
    };
  }, [listeners]);
}
