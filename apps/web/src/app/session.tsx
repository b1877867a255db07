import type { RouterOutputs } from "@p2p/client";
import { useQuery } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect } from "react";
import { Redirect, useLocation } from "wouter";
import { useTRPC } from "../api";
import { useI18n } from "../i18n";
import { errorInfo } from "../ui/errors";
import { Loading, QueryState } from "../ui/states";

export type Session = RouterOutputs["auth"]["me"];

const SessionContext = createContext<Session | null>(null);

/** The signed-in user's session; only inside <RequireSession>. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside RequireSession");
  return session;
}

/** Pages for signed-in people: without a session, to sign-in (and back here after it). */
export function RequireSession({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { retry: false, staleTime: 60_000 }));
  const [location] = useLocation();
  const { setTimeZone } = useI18n();
  const timeZone = me.data?.user.timezone;
  useEffect(() => setTimeZone(timeZone), [timeZone, setTimeZone]);
  if (me.error && errorInfo(me.error).appCode === "UNAUTHORIZED") {
    return <Redirect to={`/sign-in?next=${encodeURIComponent(location)}`} replace />;
  }
  if (me.isPending) return <Loading />;
  return (
    <QueryState query={me}>
      {(session) => <SessionContext.Provider value={session}>{children}</SessionContext.Provider>}
    </QueryState>
  );
}
