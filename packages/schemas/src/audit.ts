import { z } from "zod";
import { Id, PageInput, page, text } from "./common.js";

/** A user as shown next to something they did: enough to render a name and link to the profile. */
export const UserRef = z.object({ id: Id, name: z.string() });
export type UserRef = z.infer<typeof UserRef>;

export const ListAuditInput = PageInput.extend({
  action: text(100).min(1).optional(),
  actorId: Id.optional(),
});

export const AuditLogEntry = z.object({
  id: Id,
  action: z.string(),
  /** null for system actions (e.g. the moderator CLI) and unknown accounts. */
  actor: UserRef.nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  ip: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: z.date(),
});
export type AuditLogEntry = z.infer<typeof AuditLogEntry>;
export const AuditLogList = page(AuditLogEntry);
