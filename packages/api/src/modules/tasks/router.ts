import { CreateTaskInput, ListTasksInput, Ok, Task, TaskIdInput, TaskList, UpdateTaskInput } from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest, retriable } from "../../trpc/meta";
import { sessionProcedure } from "../../trpc/procedures";
import * as tasks from "./service";

/** Personal to-dos: a person's own (a session, never an API key); anyone else's answers NOT_FOUND. */
export const tasksRouter = router({
  create: sessionProcedure
    .meta(rest("POST", "/tasks", "Add a task"))
    .meta(retriable)
    .input(CreateTaskInput)
    .output(Task)
    .mutation(({ ctx, input }) => tasks.createTask(ctx.deps, ctx.principal, input)),
  get: sessionProcedure
    .meta(rest("GET", "/tasks/{id}", "One of your tasks"))
    .input(TaskIdInput)
    .output(Task)
    .query(({ ctx, input }) => tasks.getTask(ctx.deps, ctx.principal, input.id)),
  update: sessionProcedure
    .meta(rest("PATCH", "/tasks/{id}", "Change a task (or complete it)"))
    .input(UpdateTaskInput)
    .output(Task)
    .mutation(({ ctx, input }) => tasks.updateTask(ctx.deps, ctx.principal, input)),
  toggle: sessionProcedure
    .meta(rest("POST", "/tasks/{id}/toggle", "Complete a task, or open it again"))
    .input(TaskIdInput)
    .output(Task)
    .mutation(({ ctx, input }) => tasks.toggleTask(ctx.deps, ctx.principal, input.id)),
  delete: sessionProcedure
    .meta(rest("DELETE", "/tasks/{id}", "Delete a task"))
    .input(TaskIdInput)
    .output(Ok)
    .mutation(({ ctx, input }) => tasks.deleteTask(ctx.deps, ctx.principal, input.id)),
  list: sessionProcedure
    .meta(rest("GET", "/tasks", "Your tasks, filtered and sorted"))
    .input(ListTasksInput)
    .output(TaskList)
    .query(({ ctx, input }) => tasks.listTasks(ctx.deps, ctx.principal, input)),
});
