import { z } from "zod";
import { CountryCode, Id, multilineText, PageInput, page, text, webAddress } from "./common.js";
import { Author, Tag } from "./forums.js";
import { MediaAsset } from "./media.js";
import { Industry } from "./organizations.js";
import { Email, Phone } from "./users.js";

/** `draft` (its owner and their org admin only) · `published` · `archived` (hidden by a moderator). */
export const UseCaseStatus = z.enum(["draft", "published", "archived"]);
export type UseCaseStatus = z.infer<typeof UseCaseStatus>;

export const Technology = text(60).min(1, "Required");
export const Percent = z.number().finite().min(0).max(1_000);

/** Measured results: the three headline figures and any further metrics. */
export const Outcomes = z.object({
  costSavingsPercent: Percent.nullable().default(null),
  efficiencyGainPercent: Percent.nullable().default(null),
  roiMonths: z.number().int().min(0).max(600).nullable().default(null),
  metrics: z
    .array(
      z.object({
        label: text(80).min(1, "Required"),
        value: z.number().min(-1e12, "At least -10¹²").max(1e12, "At most 10¹²"),
        unit: text(20).default(""),
      }),
    )
    .max(20, "At most 20 metrics")
    .default([]),
});
export type Outcomes = z.infer<typeof Outcomes>;

export const Vendor = z.object({
  name: text(200).min(1, "Required"),
  website: webAddress(500).nullable().default(null),
  contactName: text(120).nullable().default(null),
  email: Email.nullable().default(null),
  phone: Phone.nullable().default(null),
});
export type Vendor = z.infer<typeof Vendor>;
/** A vendor as answers show it; contact fields are null when hidden from the caller. */
export const VendorInfo = z.object({
  name: z.string(),
  website: z.string().nullable(),
  contactName: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
});

export const UseCaseLocation = z.object({
  city: text(100).min(1, "Required"),
  country: CountryCode,
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
});
export type UseCaseLocation = z.infer<typeof UseCaseLocation>;

/**
 * The fields a (multi-step) form fills in, all optional while a draft: each present field is
 * checked; publishing checks that the required ones are there. `null` clears an optional block.
 */
export const UseCaseFields = z.object({
  title: text(200).min(5, "At least 5 characters"),
  summary: multilineText(1_000).min(1, "Required"),
  industry: Industry,
  technologies: z.array(Technology).max(10, "At most 10 technologies"),
  tags: z.array(Tag).max(10, "At most 10 tags"),
  problem: multilineText(10_000).min(1, "Required"),
  solution: multilineText(10_000).min(1, "Required"),
  outcomes: Outcomes.nullable(),
  vendor: Vendor.nullable(),
  location: UseCaseLocation.nullable(),
});
export const CreateUseCaseDraftInput = UseCaseFields.partial();
export const UpdateUseCaseDraftInput = UseCaseFields.partial().extend({ id: Id });
export const UseCaseIdInput = z.object({ id: Id });
export const ModerateUseCaseInput = z.object({
  id: Id,
  action: z.enum(["archive", "restore"]),
  reason: text(500).min(1, "Required"),
});

/** `trending`: the dashboard's 7-day trending score (docs/decisions.md, "Trending"). */
export const UseCaseSort = z.enum(["newest", "mostViewed", "nearest", "trending"]);
export const ListUseCasesInput = PageInput.extend({
  industry: Industry.optional(),
  /** Use cases with any of these technologies (case does not matter). */
  technologies: z.array(Technology).max(10).optional(),
  /** One technology, as the documented REST frontend sends it (`?technology=`); joins `technologies`. */
  technology: Technology.optional(),
  /** Use cases with all of these tags. */
  tags: z.array(Tag).max(10).optional(),
  city: text(100).min(1).optional(),
  /** Within `radiusKm` of (`lat`, `lng`): all three or none. */
  lat: z.number().min(-90).max(90).optional(),
  lng: z.number().min(-180).max(180).optional(),
  radiusKm: z.number().min(0.1).max(20_000).optional(),
  q: text(200).min(1).optional(),
  organizationId: Id.optional(),
  /** Drafts and archived ones: only those the caller may see (their own, their org's as admin, archived ones as moderator). */
  status: UseCaseStatus.optional(),
  sort: UseCaseSort.default("newest"),
})
  .superRefine((v, ctx) => {
    const given = [v.lat, v.lng, v.radiusKm].filter((x) => x !== undefined).length;
    // Named on each of the three, so whichever one the client sent (or forgot) is marked.
    if (given !== 0 && given !== 3) {
      for (const path of ["lat", "lng", "radiusKm"]) {
        ctx.addIssue({ code: "custom", path: [path], message: "Give lat, lng and radiusKm together" });
      }
    }
  })
  .refine((v) => v.sort !== "nearest" || v.radiusKm !== undefined, {
    path: ["lat"],
    message: "Required to sort by distance",
  });

export const UseCaseMedia = MediaAsset.extend({ caption: z.string() });
export type UseCaseMedia = z.infer<typeof UseCaseMedia>;

/** A use case in lists. */
export const UseCaseSummary = z.object({
  id: Id,
  status: UseCaseStatus,
  title: z.string(),
  summary: z.string(),
  industry: Industry.nullable(),
  technologies: z.array(z.string()),
  tags: z.array(z.string()),
  city: z.string().nullable(),
  country: z.string().nullable(),
  location: z.object({ lat: z.number(), lng: z.number() }).nullable(),
  /** From the search point of a `near` filter. */
  distanceKm: z.number().nullable(),
  organization: z.object({ id: Id, name: z.string() }),
  owner: Author,
  viewCount: z.number().int(),
  publishedAt: z.date().nullable(),
  updatedAt: z.date(),
  /** The first photo or video (its thumbnails or poster), for a list's card; null without media. */
  cover: MediaAsset.nullable(),
  /** The measured results, the card's headline figures. */
  outcomes: Outcomes.nullable(),
});
export type UseCaseSummary = z.infer<typeof UseCaseSummary>;
export const UseCaseList = page(UseCaseSummary);

/** A deleted use case its owner (or an admin of its organization) can still restore. */
export const DeletedUseCase = z.object({
  id: Id,
  title: z.string(),
  /** What it was when deleted; restoring brings it back as that. */
  status: UseCaseStatus,
  owner: Author,
  deletedAt: z.date(),
  /** After this it is purged for good. */
  restorableUntil: z.date(),
});
export type DeletedUseCase = z.infer<typeof DeletedUseCase>;
export const DeletedUseCaseList = page(DeletedUseCase);

export const UseCaseDetail = UseCaseSummary.extend({
  problem: z.string(),
  solution: z.string(),
  /** Contact details only for signed-in people with a verified email; the name always. */
  vendor: VendorInfo.nullable(),
  vendorContactHidden: z.boolean(),
  media: z.array(UseCaseMedia),
  archivedReason: z.string().nullable(),
  deletedAt: z.date().nullable(),
  related: z.array(UseCaseSummary),
  can: z.object({ edit: z.boolean(), delete: z.boolean(), moderate: z.boolean() }),
});
export type UseCaseDetail = z.infer<typeof UseCaseDetail>;

/** What anyone, signed in or not, may see of a published use case. */
export const PublicUseCase = z.object({
  id: Id,
  title: z.string(),
  summary: z.string(),
  industry: Industry.nullable(),
  city: z.string().nullable(),
  outcomes: Outcomes.nullable(),
});

export const AddUseCaseMediaInput = z.object({ id: Id, fileId: Id, caption: text(300).default("") });
export const RemoveUseCaseMediaInput = z.object({ id: Id, fileId: Id });
export const ReorderUseCaseMediaInput = z.object({ id: Id, fileIds: z.array(Id).max(20) });
export const UseCaseMediaList = z.array(UseCaseMedia);
