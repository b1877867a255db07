import type { MyEvent } from "@p2p/schemas";
import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { createContext, type ReactNode, useContext, useEffect, useRef } from "react";
import { useTRPC } from "../api";

export type { MyEvent };

type Listener = (event: MyEvent) => void;

const EventsContext = createContext<Set<Listener> | null>(null);

/**
 * Opens the personal stream once for the whole app (one WebSocket subscription, which the client
 * resumes from its last event id after a drop) and hands each event to the pages listening.
 * A `resync` (events lost beyond what the server keeps) refetches everything on screen.
 */
export function MyEventsProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listeners = useRef(new Set<Listener>()).current;
  useSubscription(
    trpc.me.onEvents.subscriptionOptions(
      {},
      {
        onData: ({ data }) => {
          if (data.type === "resync") {
            void queryClient.invalidateQueries();
            return;
          }
          for (const listener of listeners) listener(data);
        },
      },
    ),
  );
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
