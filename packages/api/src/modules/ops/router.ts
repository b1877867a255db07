import { JobList, ListJobsInput, Ok, RetryJobInput } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { moderatorProcedure } from "../../trpc/procedures";
import * as ops from "./service";

/** Background job monitoring, for platform moderators. */
export const jobsRouter = router({
  list: moderatorProcedure
    .meta(rest("GET", "/jobs", "Job queues: counts by state, and the jobs of one state (failed ones by default)"))
    .input(ListJobsInput)
    .output(JobList)
    .query(({ ctx, input }) => ops.listJobs(ctx.deps, input)),
  retry: moderatorProcedure
    .meta(rest("POST", "/jobs/{id}/retry", "Run a failed job again"))
    .input(RetryJobInput)
    .output(Ok)
    .mutation(({ ctx, input }) => ops.retryJob(ctx.deps, input.id)),
});
