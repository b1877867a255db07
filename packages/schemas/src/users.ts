import { z } from "zod";
import { Id, limits, multilineText, PageInput, page, requiredText, text } from "./common.js";

export const Role = z.enum(["admin", "member"]);
export type Role = z.infer<typeof Role>;
export const UserStatus = z.enum(["active", "deactivated"]);
export type UserStatus = z.infer<typeof UserStatus>;

export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email("Not a valid email address"))
  .transform((e) => e.toLowerCase());
export const Password = z
  .string()
  .min(10, "Password must be at least 10 characters")
  .max(128, "Password must be at most 128 characters");
export const PersonName = requiredText(100);
export const Locale = z.enum(["en", "ar"]);
/** An IANA zone's name as the runtime spells it ("asia/riyadh" → "Asia/Riyadh"), or null when it is none. */
function zoneName(tz: string): string | null {
  try {
    return new Intl.DateTimeFormat("en", { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
/**
 * A time zone by its IANA name ("Area/Location", or UTC), stored as the runtime spells it. Not a
 * bare UTC offset ("+03:00": JavaScript reads it east of UTC and PostgreSQL, the POSIX way, west),
 * nor an abbreviation, which the runtime maps to a zone the person may not mean ("AST", Arabia
 * Standard Time to a Saudi, is Anchorage to it).
 */
export const Timezone = z
  .string()
  .trim()
  .max(64)
  // The name as given (before it is spelled the runtime's way): UTC, or Area/Location.
  .refine(
    (tz) => /^(utc|gmt)$/i.test(tz) || (/^[a-z]+\/[a-z0-9_+\-/]+$/i.test(tz) && !/^systemv\//i.test(tz)),
    "Use the zone's name, e.g. Asia/Riyadh",
  )
  .overwrite((tz) => zoneName(tz) ?? tz)
  .refine((tz) => zoneName(tz) !== null, "Unknown time zone");
export const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{6,20}$/, "Not a valid phone number");

/** What everyone signed in sees of a user; email and phone are null outside the user's own org. */
export const UserProfile = z.object({
  id: Id,
  firstName: z.string(),
  lastName: z.string(),
  title: z.string().nullable(),
  bio: z.string().nullable(),
  avatarFileId: Id.nullable(),
  organization: z.object({ id: Id, name: z.string() }),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  role: Role,
  status: UserStatus,
});
export type UserProfile = z.infer<typeof UserProfile>;

/** The signed-in user's own record. */
export const Me = z.object({
  id: Id,
  email: z.string(),
  emailVerified: z.boolean(),
  firstName: z.string(),
  lastName: z.string(),
  title: z.string().nullable(),
  phone: z.string().nullable(),
  bio: z.string().nullable(),
  avatarFileId: Id.nullable(),
  locale: z.string(),
  timezone: z.string(),
  role: Role,
  isModerator: z.boolean(),
  totpEnabled: z.boolean(),
  createdAt: z.date(),
});
export type Me = z.infer<typeof Me>;

export const UpdateMeInput = z.object({
  firstName: PersonName.optional(),
  lastName: PersonName.optional(),
  title: text(120).nullish(),
  phone: Phone.nullish(),
  bio: multilineText(limits.mediumText).nullish(),
  avatarFileId: Id.nullish(),
  locale: Locale.optional(),
  /** The default reminders of your open tasks (9:00 on the due day) move to the new zone. */
  timezone: Timezone.optional(),
});

export const ChangePasswordInput = z.object({ current: z.string().min(1).max(128), next: Password });
export const GetUserInput = z.object({ id: Id });

export const ListUsersInput = PageInput.extend({
  role: Role.optional(),
  status: UserStatus.optional(),
  q: text(100).optional(),
});
export const UserListItem = UserProfile.extend({ lastActiveAt: z.date().nullable(), createdAt: z.date() });
export type UserListItem = z.infer<typeof UserListItem>;
export const UserList = page(UserListItem);

export const UpdateUserInput = z.object({ id: Id, role: Role.optional(), status: UserStatus.optional() });
export const UserIdInput = z.object({ id: Id });
