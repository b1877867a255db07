import type { PresenceStatus } from "@p2p/schemas";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../../api";
import { useMyEvents } from "../../app/events";
import { useT } from "../../i18n";

/** At most a page of people per presence.get call. */
const MAX_PEOPLE = 100;

/**
 * Who of `userIds` is online, as the caller may see it: fetched once, then moved on by the live
 * `presence` events (written into the same cache, so a refetch and an event never disagree for long).
 */
export type PresenceOf = (userId: string) => PresenceStatus;

export function usePresence(userIds: readonly string[]): PresenceOf {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ids = [...new Set(userIds)].sort().slice(0, MAX_PEOPLE);
  const fetched = useQuery(trpc.presence.get.queryOptions({ userIds: ids }, { enabled: ids.length > 0 }));
  useMyEvents((event) => {
    if (event.type !== "presence") return;
    queryClient.setQueriesData(trpc.presence.get.pathFilter(), (list: typeof fetched.data) =>
      list?.map((p) => (p.userId === event.presence.userId ? event.presence : p)),
    );
  });
  return (userId) => fetched.data?.find((p) => p.userId === userId)?.status ?? "offline";
}

/** A coloured dot with its meaning in words for screen readers. */
export function PresenceDot({ status }: { status: PresenceStatus }) {
  const t = useT();
  const label = t(`messages.presence.${status}`);
  return (
    <span className="messages-presence" data-status={status} title={label}>
      <span className="visually-hidden">{label}</span>
    </span>
  );
}
