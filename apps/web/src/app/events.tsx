import type { MyEvent } from "@p2p/schemas";
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useRef } from "react";
import { useTRPC, useTRPCClient } from "../api";
import { errorInfo } from "../ui/errors";

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
 * (RequireSession), and a still signed-in one opens the stream again from where it was, as it does
 * after a refusal it may outlive (a store briefly down).
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
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    const recheckSession = () => void queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() });
    // Ended or refused (a store briefly down): open again after a pause that grows, unless the
    // session is gone (RequireSession then leaves the page).
    const reopenLater = () => {
      if (closed) return;
      retry = setTimeout(open, Math.min(1_000 * 2 ** attempts++, 30_000));
    };
    const open = () => {
      subscription = client.me.onEvents.subscribe(
        { lastEventId },
        {
          onData: ({ id, data }) => {
            attempts = 0;
            lastEventId = id;
            if (data.type === "resync") {
              void queryClient.invalidateQueries();
              return;
            }
            for (const listener of listeners) listener(data);
          },
          onStopped: () => {
            recheckSession();
            reopenLater();
          },
          onError: (error) => {
            recheckSession();
            if (errorInfo(error).appCode !== "UNAUTHORIZED") reopenLater();
          },
        },
      );
    };
    open();
    return () => {
      closed = true;
      clearTimeout(retry);
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
