import { z } from "zod";
import { Id } from "./common.js";
import { Organization, OrganizationInput } from "./organizations.js";
import { Email, Me, Password, PersonName, Role } from "./users.js";

export const TotpCode = z.string().regex(/^\d{6}$/, "Enter the 6-digit code");
export const RecoveryCode = z
  .string()
  .trim()
  .regex(/^[a-z0-9]{5}-[a-z0-9]{5}$/i, "Not a recovery code");
export const OpaqueToken = z.string().min(16).max(256);

/**
 * How a new session reaches the client. "cookie" (the default, browsers): an HttpOnly session
 * cookie, and the anti-CSRF token in the body. "bearer" (scripts): the token in the body, no cookie.
 */
export const TokenType = z.enum(["cookie", "bearer"]);

/**
 * Sign-up answers `Ok` ("check your email") whether or not the address already has an account, so
 * it never tells who is registered. The owner of a free address gets a link; the account and its
 * organization are created by `auth.completeSignUp` with that link and the same password. The owner
 * of a taken address gets a mail saying someone tried to sign up with it.
 */
export const SignUpInput = z.object({
  email: Email,
  password: Password,
  firstName: PersonName,
  lastName: PersonName,
  organization: OrganizationInput,
});

/**
 * The same sign-up with the organization's fields flat, as the REST frontend sends it
 * (`POST /api/v1/auth/signup`); `auth.signUpFlat` hands it to the same service as `auth.signUp`.
 */
export const SignUpFlatInput = SignUpInput.omit({ organization: true }).extend({
  organizationName: OrganizationInput.shape.name,
  industry: OrganizationInput.shape.industry,
  size: OrganizationInput.shape.size,
  country: OrganizationInput.shape.country,
  city: OrganizationInput.shape.city,
});

/** Finishes a sign-up: the emailed link's token and the password chosen at sign-up; answers a session. */
export const CompleteSignUpInput = z.object({
  token: OpaqueToken,
  password: z.string().min(1).max(128),
  tokenType: TokenType.optional(),
});

export const SignInInput = z.object({
  email: Email,
  password: z.string().min(1).max(128),
  rememberMe: z.boolean().optional(),
  totpCode: TotpCode.optional(),
  recoveryCode: RecoveryCode.optional(),
  tokenType: TokenType.optional(),
});

/** Platform permissions a client can use to show or hide features; the server checks again. */
export const Permission = z.enum([
  "organization.manage",
  "users.manage",
  "invitations.manage",
  "apiKeys.manage",
  "audit.read",
  "content.moderate",
]);
export type Permission = z.infer<typeof Permission>;

export function permissionsFor(role: z.infer<typeof Role>, isModerator: boolean): Permission[] {
  const admin: Permission[] = [
    "organization.manage",
    "users.manage",
    "invitations.manage",
    "apiKeys.manage",
    "audit.read",
  ];
  return [...(role === "admin" ? admin : []), ...(isModerator ? (["content.moderate"] as const) : [])];
}

export const Session = z.object({
  user: Me,
  organization: Organization,
  role: Role,
  permissions: z.array(Permission),
});
export type Session = z.infer<typeof Session>;

/**
 * Sign-in answer. `token` only when the input asked for `tokenType: "bearer"` (then no cookie is
 * set) or the call came over a WebSocket (where no cookie can be set); otherwise the session is in
 * the HttpOnly cookie and `csrfToken` is what mutations send in the x-csrf-token header.
 */
export const SignInResult = Session.extend({ token: z.string().optional(), csrfToken: z.string().optional() });

export const SessionInfo = z.object({
  id: Id,
  current: z.boolean(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  createdAt: z.date(),
  lastUsedAt: z.date(),
  expiresAt: z.date(),
});
export const SessionList = z.object({ items: z.array(SessionInfo) });

export const RequestPasswordResetInput = z.object({ email: Email });
export const ResetPasswordInput = z.object({ token: OpaqueToken, password: Password });
export const VerifyEmailInput = z.object({ token: OpaqueToken });

export const TotpSetup = z.object({ secret: z.string(), uri: z.string() });
/** The current password too: a session someone else holds cannot put a second factor on the account. */
export const TotpEnableInput = z.object({ code: TotpCode, password: z.string().min(1).max(128) });
export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()) });
export const TotpDisableInput = z.union([z.object({ code: TotpCode }), z.object({ recoveryCode: RecoveryCode })]);

export const Ok = z.object({ ok: z.literal(true) });

/** The one event of `auth.onSessionEnded`: the caller's session was revoked elsewhere. */
export const SessionEndedEvent = z.object({ reason: z.literal("revoked") });
export type SessionEndedEvent = z.infer<typeof SessionEndedEvent>;
