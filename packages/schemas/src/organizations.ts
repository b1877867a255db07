import { z } from "zod";
import { CountryCode, Id, limits, multilineText, PageInput, page, requiredText, text, webAddress } from "./common.js";
import { Role } from "./users.js";

export const Industry = z.enum([
  "manufacturing",
  "oil_and_gas",
  "petrochemicals",
  "mining",
  "utilities",
  "construction",
  "food_and_beverage",
  "logistics",
  "automotive",
  "pharmaceuticals",
  "technology",
  "other",
]);
export type Industry = z.infer<typeof Industry>;
export const OrganizationSize = z.enum(["1-10", "11-50", "51-200", "201-500", "501-1000", "1000+"]);

export const OrganizationInput = z.object({
  name: requiredText(120),
  industry: Industry,
  size: OrganizationSize,
  country: CountryCode,
  city: requiredText(100),
});

/** What any signed-in user sees of an organization. */
export const OrganizationPublic = z.object({
  id: Id,
  name: z.string(),
  industry: Industry,
  size: OrganizationSize,
  country: z.string(),
  city: z.string(),
  description: z.string().nullable(),
  website: z.string().nullable(),
  logoFileId: Id.nullable(),
});
export type OrganizationPublic = z.infer<typeof OrganizationPublic>;

export const Organization = OrganizationPublic.extend({ createdAt: z.date(), updatedAt: z.date() });
export type Organization = z.infer<typeof Organization>;

export const UpdateOrganizationInput = OrganizationInput.partial().extend({
  description: multilineText(limits.mediumText).nullish(),
  website: webAddress(300).nullish(),
});
export const SetLogoInput = z.object({ fileId: Id.nullable() });

export const OrganizationStats = z.object({
  memberCount: z.number().int(),
  activeMembers30d: z.number().int(),
  topics: z.number().int(),
  posts: z.number().int(),
  useCases: z.number().int(),
  storageBytes: z.number().int(),
});

export const DirectoryInput = PageInput.extend({
  q: text(100).optional(),
  industry: Industry.optional(),
  city: text(100).optional(),
});
export const Directory = page(OrganizationPublic);

/** `organizations.members`: the caller's active colleagues, by last name; `q` matches names and emails. */
export const MembersInput = PageInput.extend({ q: text(100).optional() });

/**
 * A colleague as every member of the same organization sees them: a workplace directory (name,
 * title, role, picture, work email). Phone and bio stay on the profile (`users.get`); `lastActiveAt`
 * is null when the colleague hides their presence.
 */
export const OrganizationMember = z.object({
  id: Id,
  firstName: z.string(),
  lastName: z.string(),
  title: z.string().nullable(),
  role: Role,
  avatarFileId: Id.nullable(),
  email: z.string(),
  lastActiveAt: z.date().nullable(),
});
export type OrganizationMember = z.infer<typeof OrganizationMember>;
export const MemberList = page(OrganizationMember);
