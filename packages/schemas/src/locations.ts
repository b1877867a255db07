import { z } from "zod";
import { text } from "./common.js";

export const citySearchLimits = { max: 20, default: 10 } as const;

/** City autocomplete: a prefix of an English or Arabic name, typos forgiven. */
export const SearchCitiesInput = z.object({
  q: text(100).min(1, "Required"),
  /** ISO 3166-1 alpha-2 (SA); lower case is accepted. */
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, "Use the two-letter ISO country code, e.g. SA")
    .optional(),
  limit: z.number().int().min(1).max(citySearchLimits.max).default(citySearchLimits.default),
});
export type SearchCitiesInput = z.input<typeof SearchCitiesInput>;

/** A place from the GeoNames gazetteer; `id` is its GeoNames id. */
export const City = z.object({
  id: z.number().int(),
  name: z.string(),
  /** The Arabic name, where GeoNames has one. */
  nameAr: z.string().nullable(),
  country: z.string(),
  /** First-level region (province, state), where known. */
  region: z.string().nullable(),
  lat: z.number(),
  lng: z.number(),
  population: z.number().int(),
});
export type City = z.infer<typeof City>;

/** Best match first: exact name, then name prefix, then one or two typos; larger places first within each. */
export const CityList = z.object({ items: z.array(City) });
export type CityList = z.infer<typeof CityList>;
