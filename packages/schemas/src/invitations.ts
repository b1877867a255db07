import { z } from "zod";
import { OpaqueToken, TokenType } from "./auth.js";
import { Id, PageInput, page } from "./common.js";
import { Email, Password, PersonName, Role } from "./users.js";

export const CreateInvitationInput = z.object({ email: Email, role: Role });

export const InvitationStatus = z.enum(["pending", "accepted", "revoked", "expired"]);
export type InvitationStatus = z.infer<typeof InvitationStatus>;

/** What an org admin sees of an invitation; the token is only ever in the email. */
export const Invitation = z.object({
  id: Id,
  email: z.string(),
  role: Role,
  status: InvitationStatus,
  invitedBy: Id,
  expiresAt: z.date(),
  createdAt: z.date(),
});
export type Invitation = z.infer<typeof Invitation>;
export const InvitationIdInput = z.object({ id: Id });
/** Newest first; without an input, the first page (callers from before it was paged). */
export const ListInvitationsInput = PageInput.prefault({});
export const InvitationList = page(Invitation);

export const AcceptInvitationInput = z.object({
  token: OpaqueToken,
  password: Password,
  firstName: PersonName,
  lastName: PersonName,
  tokenType: TokenType.optional(),
});
