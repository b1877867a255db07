import { Outcomes, Percent, UseCaseFields, UseCaseLocation, Vendor } from "@p2p/schemas";
import { z } from "zod";

/**
 * The submission's steps and the schema of each: the server's own field schemas, read from what
 * the inputs hold (text), under the paths the server names in its errors, so both land on the
 * same input. In a draft every field may wait; only the title is needed to save one.
 */
export const STEPS = ["basics", "story", "results", "media", "review"] as const;
export type StepName = (typeof STEPS)[number];

/** The step holding a field, to lead a publishing error back to it. */
export function stepOf(path: string): number {
  const root = path.split(".")[0] ?? "";
  if (["problem", "solution"].includes(root)) return 2;
  if (["outcomes", "vendor"].includes(root)) return 3;
  if (["location", "media"].includes(root)) return 4;
  return 1;
}

/** "IoT, Machine learning" as the list the server takes. */
const commaList = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (v) =>
      typeof v === "string"
        ? v
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    schema,
  );

/** A number input's text as a number (a blank input is left out before this runs). */
const numeric = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" ? Number(v) : v), schema);

export const BasicsStep = z.object({
  title: UseCaseFields.shape.title,
  summary: UseCaseFields.shape.summary.optional(),
  industry: UseCaseFields.shape.industry.optional(),
  technologies: commaList(UseCaseFields.shape.technologies).optional(),
  tags: commaList(UseCaseFields.shape.tags).optional(),
});

export const StoryStep = z.object({
  problem: UseCaseFields.shape.problem.optional(),
  solution: UseCaseFields.shape.solution.optional(),
});

/** A further metric as its inputs hold it. */
export interface MetricRow {
  label: string;
  value: string;
  unit: string;
}

const metricRows = z.preprocess(
  (rows) =>
    Array.isArray(rows)
      ? (rows as MetricRow[])
          .filter((r) => r.label.trim() || r.value.trim() || r.unit.trim())
          .map((r) => ({ ...r, value: r.value.trim() === "" ? undefined : Number(r.value) }))
      : rows,
  Outcomes.shape.metrics,
);

export const ResultsStep = z
  .object({
    "outcomes.costSavingsPercent": numeric(Percent).optional(),
    "outcomes.efficiencyGainPercent": numeric(Percent).optional(),
    "outcomes.roiMonths": numeric(Outcomes.shape.roiMonths).optional(),
    "outcomes.metrics": metricRows.optional(),
    "vendor.name": Vendor.shape.name.optional(),
    "vendor.website": Vendor.shape.website.optional(),
    "vendor.contactName": Vendor.shape.contactName.optional(),
    "vendor.email": Vendor.shape.email.optional(),
    "vendor.phone": Vendor.shape.phone.optional(),
  })
  .superRefine((v, ctx) => {
    const contact = v["vendor.website"] ?? v["vendor.contactName"] ?? v["vendor.email"] ?? v["vendor.phone"];
    if (contact && !v["vendor.name"]) {
      // A vendor is named first: the same "required" as a blank name.
      ctx.addIssue({ code: "too_small", origin: "string", minimum: 1, input: "", path: ["vendor.name"], message: "" });
    }
  })
  .transform((v) => {
    const outcomes = {
      costSavingsPercent: v["outcomes.costSavingsPercent"] ?? null,
      efficiencyGainPercent: v["outcomes.efficiencyGainPercent"] ?? null,
      roiMonths: v["outcomes.roiMonths"] ?? null,
      metrics: v["outcomes.metrics"] ?? [],
    };
    const measured =
      outcomes.costSavingsPercent !== null ||
      outcomes.efficiencyGainPercent !== null ||
      outcomes.roiMonths !== null ||
      outcomes.metrics.length > 0;
    const name = v["vendor.name"];
    return {
      outcomes: measured ? outcomes : null,
      vendor: name
        ? {
            name,
            website: v["vendor.website"] ?? null,
            contactName: v["vendor.contactName"] ?? null,
            email: v["vendor.email"] ?? null,
            phone: v["vendor.phone"] ?? null,
          }
        : null,
    };
  });

export const LocationStep = z.object({ location: UseCaseLocation.nullable().optional() });
