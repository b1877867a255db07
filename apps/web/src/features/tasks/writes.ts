import type { RouterOutputs } from "@p2p/client";
import { useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../../api";

export type Task = RouterOutputs["tasks"]["get"];

/** After a write to tasks: every task list on screen, and the dashboard's counts, are asked again. */
export function useTaskWrites() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.tasks.list.pathFilter()),
      queryClient.invalidateQueries(trpc.dashboard.stats.pathFilter()),
    ]);
}
