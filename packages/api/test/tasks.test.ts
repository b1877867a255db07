import { addMember, failure, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { today, tomorrow } from "../src/modules/tasks/repo";
import { taskJobs } from "../src/modules/tasks/service";
import { waitFor } from "./helpers";

let server: TestServer;
let me: TestUser;
let colleague: TestUser;
let stranger: TestUser;
const HOUR = 3600_000;

beforeAll(async () => {
  server = await startTestServer();
  me = await signUpAdmin(server, { firstName: "Tala", lastName: "Tasks" });
  colleague = await addMember(server, me);
  stranger = await signUpAdmin(server);
  await me.client.users.updateMe.mutate({ timezone: "Asia/Riyadh" });
});
afterAll(async () => {
  await server?.close();
});

const runReminders = () => taskJobs.find((j) => j.name === "tasks.reminders")?.run(server.deps, {});

describe("the owner's day", () => {
  it("is 23 or 25 hours long on a daylight-saving change: tomorrow starts at the next local midnight", async () => {
    const day = async (tz: string, at: string) => {
      const instant = sql<Date>`${at}::timestamptz`;
      const { rows } = await sql<{
        start: Date;
        end: Date;
      }>`select ${today(tz, instant)} as start, ${tomorrow(tz, instant)} as end`.execute(server.deps.db);
      return { start: rows[0]?.start.toISOString(), end: rows[0]?.end.toISOString() };
    };
    // New York falls back on 1 November 2026: that day is 25 hours long.
    expect(await day("America/New_York", "2026-11-01T16:00:00Z")).toEqual({
      start: "2026-11-01T04:00:00.000Z",
      end: "2026-11-02T05:00:00.000Z",
    });
    // Berlin springs forward on 29 March 2026: 23 hours.
    expect(await day("Europe/Berlin", "2026-03-29T12:00:00Z")).toEqual({
      start: "2026-03-28T23:00:00.000Z",
      end: "2026-03-29T22:00:00.000Z",
    });
    expect(await day("Asia/Riyadh", "2026-06-01T22:30:00Z")).toEqual({
      start: "2026-06-01T21:00:00.000Z",
      end: "2026-06-02T21:00:00.000Z",
    });
  });
});

describe("tasks", () => {
  it("creates, reads, updates, toggles and deletes one's own tasks", async () => {
    const due = new Date(Date.now() + 3 * 24 * HOUR);
    const task = await me.client.tasks.create.mutate({
      title: "  Order spare bearings  ",
      description: "For the extruder gearbox\\nSKF 6205",
      dueAt: due,
      priority: "high",
      tags: ["maintenance", "maintenance"],
    });
    expect(task).toMatchObject({
      title: "Order spare bearings",
      priority: "high",
      tags: ["maintenance"],
      completed: false,
      overdue: false,
      dueToday: false,
      link: null,
      remindAt: expect.any(Date),
    });
    // The default reminder: 9:00 on the due day in the owner's time zone (Riyadh is UTC+3).
    expect(task.remindAt?.getUTCHours()).toBe(6);
    const updated = await me.client.tasks.update.mutate({ id: task.id, priority: "low", description: null });
    expect(updated).toMatchObject({ priority: "low", description: null, title: "Order spare bearings" });
    const done = await me.client.tasks.toggle.mutate({ id: task.id });
    expect(done).toMatchObject({ completed: true, completedAt: expect.any(Date) });
    expect((await me.client.tasks.toggle.mutate({ id: task.id })).completed).toBe(false);
    // Two toggles at once (a double tap on two devices) are two flips: back to open, none lost.
    const twice = await Promise.all([1, 2].map(() => me.client.tasks.toggle.mutate({ id: task.id })));
    expect(twice.map((t) => t.completed).sort()).toEqual([false, true]);
    expect((await me.client.tasks.get.query({ id: task.id })).completed).toBe(false);
    await me.client.tasks.delete.mutate({ id: task.id });
    expect(await failure(me.client.tasks.get.query({ id: task.id }))).toMatchObject({ appCode: "NOT_FOUND" });
  });

  it("another person's task answers NOT_FOUND everywhere", async () => {
    const task = await me.client.tasks.create.mutate({ title: "Private audit prep" });
    const calls = [
      () => colleague.client.tasks.get.query({ id: task.id }),
      () => colleague.client.tasks.update.mutate({ id: task.id, title: "Hijacked" }),
      () => colleague.client.tasks.toggle.mutate({ id: task.id }),
      () => colleague.client.tasks.delete.mutate({ id: task.id }),
      () => stranger.client.tasks.get.query({ id: task.id }),
    ];
    for (const call of calls) expect(await failure(call())).toMatchObject({ appCode: "NOT_FOUND" });
    expect((await colleague.client.tasks.list.query({})).items.map((t) => t.id)).not.toContain(task.id);
    expect((await me.client.tasks.get.query({ id: task.id })).title).toBe("Private audit prep");
  });

  it("refuses bad input with the field", async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [() => me.client.tasks.create.mutate({ title: "" }), "title"],
      [() => me.client.tasks.create.mutate({ title: "x".repeat(201) }), "title"],
      [() => me.client.tasks.create.mutate({ title: "bell\u0007" }), "title"],
      [() => me.client.tasks.create.mutate({ title: "ok", priority: "urgent" as "high" }), "priority"],
      [() => me.client.tasks.create.mutate({ title: "ok", dueAt: "2026-13-45" as never }), "dueAt"],
      // Dates no store or client can hold (JavaScript's last day; before the Common Era).
      [() => me.client.tasks.create.mutate({ title: "ok", dueAt: new Date(8.64e15) }), "dueAt"],
      [() => me.client.tasks.create.mutate({ title: "ok", dueAt: new Date(-8.64e15) }), "dueAt"],
      [() => me.client.tasks.create.mutate({ title: "ok", remindAt: new Date("+010000-01-01T00:00:00Z") }), "remindAt"],
      [() => me.client.tasks.list.query({ dueBefore: new Date(8.64e15) }), "dueBefore"],
      [
        () => me.client.tasks.create.mutate({ title: "ok", link: { kind: "topic", id: crypto.randomUUID() } }),
        "link.id",
      ],
    ];
    for (const [call, field] of cases) expect((await failure(call())).fields).toContain(field);
    expect((await me.client.tasks.list.query({ q: "ok" })).items).toEqual([]); // nothing was written
  });

  it("pages every sort one task at a time, undated tasks included, and refuses forged cursors", async () => {
    const fresh = await signUpAdmin(server);
    const now = Date.now();
    const made = [];
    for (const [i, due] of [2, null, -1, null, 5].entries()) {
      made.push(
        await fresh.client.tasks.create.mutate({
          title: `Step ${i}`,
          dueAt: due === null ? null : new Date(now + due * HOUR),
          priority: (["low", "medium", "high"] as const)[i % 3],
        }),
      );
    }
    for (const sort of ["created", "due", "priority", "title"] as const) {
      for (const order of ["asc", "desc"] as const) {
        const whole = (await fresh.client.tasks.list.query({ sort, order, limit: 10 })).items.map((t) => t.id);
        const paged: string[] = [];
        let cursor: string | null | undefined;
        do {
          const page = await fresh.client.tasks.list.query({ sort, order, limit: 1, cursor });
          paged.push(...page.items.map((t) => t.id));
          cursor = page.nextCursor;
        } while (cursor && paged.length < 10);
        expect(paged, `${sort} ${order}`).toEqual(whole);
        expect(new Set(paged).size).toBe(made.length);
      }
    }
    const forged = (key: unknown) => Buffer.from(JSON.stringify([key, crypto.randomUUID()])).toString("base64url");
    for (const sort of ["created", "due", "priority", "title"] as const) {
      for (const key of ["garbage", 1e9, null, { a: 1 }, "0000-01-01T00:00:00Z", "+275760-09-13T00:00:00Z"]) {
        if (sort === "title" && typeof key === "string") continue; // any text is a title
        const error = await failure(fresh.client.tasks.list.query({ sort, cursor: forged(key) }));
        expect(error, `${sort} ${JSON.stringify(key)}`).toMatchObject({ code: "BAD_REQUEST", fields: ["cursor"] });
      }
    }
  });

  it("filters, sorts (due, priority, title, created), pages and counts", async () => {
    const fresh = await signUpAdmin(server);
    await fresh.client.users.updateMe.mutate({ timezone: "UTC" });
    const now = Date.now();
    const make = (title: string, o: { due?: number; priority?: "low" | "medium" | "high"; tags?: string[] } = {}) =>
      fresh.client.tasks.create.mutate({
        title,
        dueAt: o.due === undefined ? undefined : new Date(now + o.due),
        priority: o.priority,
        tags: o.tags,
      });
    const overdue = await make("Calibrate scale", { due: -2 * HOUR, priority: "high", tags: ["quality"] });
    const later = await make("Annual fire drill", { due: 10 * 24 * HOUR, priority: "low" });
    const someday = await make("Read the new ISO draft");
    const done = await make("Bolt torque check", { due: -48 * HOUR, tags: ["quality"] });
    await fresh.client.tasks.toggle.mutate({ id: done.id });

    const ids = async (input: Parameters<typeof fresh.client.tasks.list.query>[0]) =>
      (await fresh.client.tasks.list.query(input)).items.map((t) => t.id);
    expect(await ids({})).toEqual([done.id, someday.id, later.id, overdue.id]);
    expect(await ids({ overdue: true })).toEqual([overdue.id]);
    expect(await ids({ completed: false, sort: "due", order: "asc" })).toEqual([overdue.id, later.id, someday.id]);
    expect(await ids({ sort: "priority", order: "desc", completed: false })).toEqual([
      overdue.id,
      someday.id,
      later.id,
    ]);
    expect(await ids({ sort: "title", order: "asc" })).toEqual([later.id, done.id, overdue.id, someday.id]);
    expect(await ids({ tag: "quality" })).toEqual([done.id, overdue.id]);
    expect(await ids({ q: "torque" })).toEqual([done.id]);
    expect(await ids({ dueBefore: new Date(now), completed: false })).toEqual([overdue.id]);
    const page1 = await fresh.client.tasks.list.query({ sort: "due", order: "asc", limit: 2, withTotal: true });
    const page2 = await fresh.client.tasks.list.query({
      sort: "due",
      order: "asc",
      limit: 2,
      cursor: page1.nextCursor,
    });
    expect(page1.total).toBe(4);
    expect([...page1.items, ...page2.items].map((t) => t.id)).toEqual([done.id, overdue.id, later.id, someday.id]);
    expect(page2.nextCursor).toBeNull();
  });

  it("counts are current on every node: a change through one node shows in the next count on another", async () => {
    const nodeB = await startTestServer({ stores: server.stores, runWorker: false });
    try {
      const owner = await addMember(server, me);
      const onB = nodeB.client({ token: owner.token });
      const total = async (filter: { completed?: boolean; tag?: string } = {}) =>
        (await onB.tasks.list.query({ ...filter, withTotal: true, limit: 1 })).total;
      // Node B caches these counts.
      expect([await total(), await total({ completed: false }), await total({ tag: "kiln" })]).toEqual([0, 0, 0]);

      const task = await owner.client.tasks.create.mutate({ title: "Reline the kiln", tags: ["kiln"] });
      await owner.client.tasks.create.mutate({ title: "Order refractory bricks" });
      expect([await total(), await total({ completed: false }), await total({ tag: "kiln" })]).toEqual([2, 2, 1]);
      await owner.client.tasks.toggle.mutate({ id: task.id });
      expect([await total(), await total({ completed: false })]).toEqual([2, 1]);
      await owner.client.tasks.update.mutate({ id: task.id, tags: [] });
      expect(await total({ tag: "kiln" })).toBe(0);
      await owner.client.tasks.delete.mutate({ id: task.id });
      expect(await total()).toBe(1);
      // Another person's change leaves this owner's counts alone, and theirs are their own.
      await colleague.client.tasks.create.mutate({ title: "Not the owner's" });
      expect(await total()).toBe(1);
    } finally {
      await nodeB.close();
    }
  });

  it("'today' follows the owner's time zone", async () => {
    const user = await signUpAdmin(server);
    await user.client.users.updateMe.mutate({ timezone: "Pacific/Kiritimati" }); // UTC+14
    const localNoon = new Date();
    localNoon.setUTCHours(12 - 14, 0, 0, 0); // 12:00 in Kiritimati, today or tomorrow there
    const local = new Intl.DateTimeFormat("en-CA", { timeZone: "Pacific/Kiritimati" }).format(new Date());
    const dueLocalToday = new Date(`${local}T12:00:00+14:00`);
    const task = await user.client.tasks.create.mutate({ title: "Kiritimati check", dueAt: dueLocalToday });
    expect(task.dueToday).toBe(true);
    expect((await user.client.tasks.list.query({ dueToday: true })).items.map((t) => t.id)).toEqual([task.id]);
  });

  it("links show their target while visible, and 'gone' once not", async () => {
    const [category] = await me.client.forums.listCategories.query();
    const topic = await me.client.forums.createTopic.mutate({
      title: "Line 2 vibration",
      body: "<p>Where from?</p>",
      categoryId: category?.id as string,
      visibility: "organization",
    });
    const task = await me.client.tasks.create.mutate({
      title: "Answer the vibration topic",
      link: { kind: "topic", id: topic.id },
    });
    expect(task.link).toEqual({ kind: "topic", id: topic.id, title: "Line 2 vibration", gone: false });
    // Someone outside the organization cannot link to it.
    expect(
      (await failure(stranger.client.tasks.create.mutate({ title: "Peek", link: { kind: "topic", id: topic.id } })))
        .fields,
    ).toEqual(["link.id"]);
    await me.client.forums.deleteTopic.mutate({ id: topic.id });
    expect((await me.client.tasks.get.query({ id: task.id })).link).toMatchObject({ gone: true, title: "" });
    const person = await me.client.tasks.create.mutate({
      title: "Call Max",
      link: { kind: "conversation", id: colleague.userId },
    });
    expect(person.link?.title).toBe("Max Member");
  });

  it("a linked person deactivated since shows as gone on get, list and REST; reactivated, as live again", async () => {
    const admin = await signUpAdmin(server);
    const leaver = await addMember(server, admin);
    const task = await admin.client.tasks.create.mutate({
      title: "Hand over the audit",
      link: { kind: "conversation", id: leaver.userId },
    });
    const live = { kind: "conversation", id: leaver.userId, title: "Max Member", gone: false };
    expect(task.link).toEqual(live);
    await admin.client.users.deactivate.mutate({ id: leaver.userId });

    const gone = { kind: "conversation", id: leaver.userId, title: "", gone: true };
    expect((await admin.client.tasks.get.query({ id: task.id })).link).toEqual(gone);
    expect((await admin.client.tasks.list.query({})).items.find((t) => t.id === task.id)?.link).toEqual(gone);
    const res = await fetch(`${server.url}/api/v1/tasks/${task.id}`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { link: unknown }).link).toEqual(gone);
    // Nor can a new task link to them (as nobody can message them).
    expect(
      (
        await failure(
          admin.client.tasks.create.mutate({ title: "Ask", link: { kind: "conversation", id: leaver.userId } }),
        )
      ).fields,
    ).toEqual(["link.id"]);

    await admin.client.users.reactivate.mutate({ id: leaver.userId });
    expect((await admin.client.tasks.get.query({ id: task.id })).link).toEqual(live);
  });

  it("due reminders fire once, as a notification", async () => {
    const user = await signUpAdmin(server);
    const task = await user.client.tasks.create.mutate({
      title: "Renew the boiler permit",
      dueAt: new Date(Date.now() + HOUR),
      remindAt: new Date(Date.now() - 1_000),
    });
    await runReminders();
    await runReminders();
    const items = await waitFor(async () => {
      const { items } = await user.client.notifications.list.query({ type: "task.due" });
      return items.length > 0 && items;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await user.client.notifications.list.query({ type: "task.due" })).items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      text: "Reminder: “Renew the boiler permit” is due",
      target: { kind: "task", id: task.id },
    });
    // A new reminder time reminds again, once.
    await user.client.tasks.update.mutate({ id: task.id, remindAt: new Date(Date.now() - 500) });
    await runReminders();
    await waitFor(async () => (await user.client.notifications.list.query({ type: "task.due" })).items.length === 2);
    // A completed task does not remind.
    const finished = await user.client.tasks.create.mutate({
      title: "Done already",
      remindAt: new Date(Date.now() - 1_000),
    });
    await user.client.tasks.toggle.mutate({ id: finished.id });
    await runReminders();
    await new Promise((r) => setTimeout(r, 300));
    expect((await user.client.notifications.list.query({ type: "task.due" })).items).toHaveLength(2);
  });

  it("a reminder's email leads to the tasks page", async () => {
    const user = await signUpAdmin(server);
    await user.client.tasks.create.mutate({ title: "Order filter cartridges", remindAt: new Date(Date.now() - 1_000) });
    await runReminders();
    const mail = await waitFor(async () => {
      const [found] = await server.deps.mail
        .outbox(user.email, 20)
        .then((all) => all.filter((m) => /Reminder/.test(m.subject)));
      return found;
    });
    expect(mail.text).toContain(`${server.deps.config.publicUrl}/tasks`);
    expect(mail.text).not.toContain("/forums/");
  });

  it("a new due date moves the reminder: the default follows it, a chosen time keeps its distance, none stays none", async () => {
    const user = await signUpAdmin(server);
    await user.client.users.updateMe.mutate({ timezone: "Asia/Riyadh" });
    const day = 24 * HOUR;
    const due = new Date(Date.UTC(2031, 2, 10, 12));
    const later = new Date(due.getTime() + 3 * day);
    const nine = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 6)); // 9:00 in Riyadh
    const byDefault = await user.client.tasks.create.mutate({ title: "Default reminder", dueAt: due });
    expect(byDefault.remindAt).toEqual(nine(due));
    expect((await user.client.tasks.update.mutate({ id: byDefault.id, dueAt: later })).remindAt).toEqual(nine(later));
    const chosen = await user.client.tasks.create.mutate({
      title: "Two days ahead",
      dueAt: due,
      remindAt: new Date(due.getTime() - 2 * day),
    });
    const moved = await user.client.tasks.update.mutate({ id: chosen.id, dueAt: later });
    expect(moved.remindAt).toEqual(new Date(later.getTime() - 2 * day));
    const off = await user.client.tasks.create.mutate({ title: "No reminder", dueAt: due, remindAt: null });
    expect((await user.client.tasks.update.mutate({ id: off.id, dueAt: later })).remindAt).toBeNull();
    const undated = await user.client.tasks.create.mutate({ title: "Dated later" });
    expect((await user.client.tasks.update.mutate({ id: undated.id, dueAt: later })).remindAt).toEqual(nine(later));
    const remindOnly = await user.client.tasks.create.mutate({ title: "Reminder first", remindAt: due });
    expect((await user.client.tasks.update.mutate({ id: remindOnly.id, dueAt: later })).remindAt).toEqual(due);
  });

  it("a time-zone change moves the default reminders of open tasks; chosen ones and completed tasks stay", async () => {
    const user = await signUpAdmin(server);
    await user.client.users.updateMe.mutate({ timezone: "Asia/Riyadh" });
    const due = new Date(Date.UTC(2031, 2, 10, 12));
    const at = (hour: number) => new Date(Date.UTC(2031, 2, 10, hour));
    const byDefault = await user.client.tasks.create.mutate({ title: "Default reminder", dueAt: due });
    expect(byDefault.remindAt).toEqual(at(6)); // 9:00 in Riyadh (UTC+3)
    const chosen = await user.client.tasks.create.mutate({ title: "Chosen", dueAt: due, remindAt: at(6) });
    await user.client.tasks.update.mutate({ id: chosen.id, remindAt: at(5) });
    const done = await user.client.tasks.create.mutate({ title: "Done", dueAt: due });
    await user.client.tasks.toggle.mutate({ id: done.id });

    await user.client.users.updateMe.mutate({ timezone: "Europe/Berlin" }); // UTC+1 in March
    const reminders = async () =>
      Object.fromEntries(
        (await user.client.tasks.list.query({})).items.map((t) => [t.title, t.remindAt?.toISOString()]),
      );
    expect(await reminders()).toEqual({
      "Default reminder": at(8).toISOString(), // 9:00 in Berlin
      Chosen: at(5).toISOString(),
      Done: at(6).toISOString(),
    });
    expect((await user.client.tasks.get.query({ id: byDefault.id })).remindAt).toEqual(at(8));
    // Still the default: a new due date takes it to 9:00 in Berlin on the new day.
    const later = new Date(Date.UTC(2031, 2, 12, 12));
    expect((await user.client.tasks.update.mutate({ id: byDefault.id, dueAt: later })).remindAt).toEqual(
      new Date(Date.UTC(2031, 2, 12, 8)),
    );
  });

  it("a task written while a time-zone change commits waits for it, and reminds in the new zone", async () => {
    const user = await signUpAdmin(server);
    await user.client.users.updateMe.mutate({ timezone: "Europe/Berlin" });
    const undated = await user.client.tasks.create.mutate({ title: "Dated meanwhile" }); // the node holds Berlin
    // A change to Tokyo holding the user's row lock, not yet committed nor broadcast.
    let commit = () => {};
    let locked = () => {};
    const held = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const change = server.deps.db.transaction().execute(async (trx) => {
      await trx.updateTable("users").set({ timezone: "Asia/Tokyo" }).where("id", "=", user.userId).execute();
      locked();
      await new Promise<void>((resolve) => {
        commit = resolve;
      });
    });
    await held;
    const due = new Date(Date.UTC(2031, 2, 10, 12));
    const created = user.client.tasks.create.mutate({ title: "Created meanwhile", dueAt: due });
    const updated = user.client.tasks.update.mutate({ id: undated.id, dueAt: due });
    await new Promise((r) => setTimeout(r, 300));
    commit();
    await change;
    const nineInTokyo = new Date(Date.UTC(2031, 2, 10, 0));
    expect((await created).remindAt).toEqual(nineInTokyo);
    expect((await updated).remindAt).toEqual(nineInTokyo);
  });

  it("undated tasks come last by due date either way", async () => {
    const user = await signUpAdmin(server);
    const dated = [1, 2].map((d) => new Date(Date.UTC(2031, 0, d, 12)));
    for (const [i, dueAt] of dated.entries()) await user.client.tasks.create.mutate({ title: `Dated ${i}`, dueAt });
    await user.client.tasks.create.mutate({ title: "Whenever" });
    const titles = async (order: "asc" | "desc") =>
      (await user.client.tasks.list.query({ sort: "due", order })).items.map((t) => t.title);
    expect(await titles("asc")).toEqual(["Dated 0", "Dated 1", "Whenever"]);
    expect(await titles("desc")).toEqual(["Dated 1", "Dated 0", "Whenever"]);
  });

  it("API keys cannot reach tasks", async () => {
    const { key } = await me.client.apiKeys.create.mutate({ name: "bot", role: "admin" });
    expect(await failure(server.client({ token: key }).tasks.list.query({}))).toMatchObject({ appCode: "FORBIDDEN" });
  });
});
