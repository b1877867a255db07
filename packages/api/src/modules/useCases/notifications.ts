import type { NotificationTarget } from "@p2p/schemas";
import type { NotificationKind } from "../../deps";
import * as repo from "./repo";

/** The owner hears of a moderator archiving or restoring their use case (with the reason). */
export const useCaseNotificationKinds: NotificationKind[] = [
  {
    type: "useCase.moderation",
    label: "Moderation of your use cases",
    defaults: { inApp: true, email: "immediately" },
    text: (actor, title, data) =>
      `${actor} ${String(data.action ?? "moderated")} your use case “${title}”${data.reason ? `: ${String(data.reason)}` : ""}`,
    targets: async (deps, _reader, items) => {
      const rows = await repo.findRows(
        deps.db,
        items.flatMap((n) => n.subjectId ?? []),
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      const targets = new Map<string, NotificationTarget | "gone">();
      for (const n of items) {
        const row = n.subjectId ? byId.get(n.subjectId) : undefined;
        if (!row || row.deletedAt) targets.set(n.id, "gone");
        else targets.set(n.id, { kind: "useCase", id: row.id, topicId: null, title: row.title });
      }
      return targets;
    },
  },
];
