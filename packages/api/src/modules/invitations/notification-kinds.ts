import type { NotificationKind } from "../../deps";

/** The inviter learns that their invitation was accepted; it points at the invitation (the new member). */
export const invitationAccepted: NotificationKind = {
  type: "invitation.accepted",
  label: "Invitations you sent being accepted",
  defaults: { inApp: true, email: "daily" },
  text: (actor) => `${actor} accepted your invitation and joined your organization`,
  targets: async (_deps, _reader, items) =>
    new Map(
      items.map((n) => [
        n.id,
        { kind: "invitation" as const, id: n.subjectId as string, topicId: null, title: "Your organization's members" },
      ]),
    ),
};
