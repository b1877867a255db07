import type { UseCaseDetail } from "@p2p/schemas";
import ExcelJS from "exceljs";

type Cell = string | number | boolean | Date | null;

/**
 * The columns of the "Use cases" sheet: every field of a use case as `useCases.get` answers it
 * (lists joined with "; "), one row per use case. Metrics and pictures, of which a use case has
 * several, get sheets of their own keyed by the use case's id.
 */
export const useCaseColumns: { header: string; key: string; width: number; value: (d: UseCaseDetail) => Cell }[] = [
  { header: "ID", key: "id", width: 38, value: (d) => d.id },
  { header: "Status", key: "status", width: 11, value: (d) => d.status },
  { header: "Title", key: "title", width: 40, value: (d) => d.title },
  { header: "Summary", key: "summary", width: 50, value: (d) => d.summary },
  { header: "Industry", key: "industry", width: 16, value: (d) => d.industry },
  { header: "Technologies", key: "technologies", width: 30, value: (d) => d.technologies.join("; ") },
  { header: "Tags", key: "tags", width: 24, value: (d) => d.tags.join("; ") },
  { header: "Problem", key: "problem", width: 60, value: (d) => d.problem },
  { header: "Solution", key: "solution", width: 60, value: (d) => d.solution },
  { header: "City", key: "city", width: 16, value: (d) => d.city },
  { header: "Country", key: "country", width: 9, value: (d) => d.country },
  { header: "Latitude", key: "lat", width: 11, value: (d) => d.location?.lat ?? null },
  { header: "Longitude", key: "lng", width: 11, value: (d) => d.location?.lng ?? null },
  { header: "Organization ID", key: "organizationId", width: 38, value: (d) => d.organization.id },
  { header: "Organization", key: "organization", width: 28, value: (d) => d.organization.name },
  { header: "Owner ID", key: "ownerId", width: 38, value: (d) => d.owner.id },
  { header: "Owner", key: "owner", width: 24, value: (d) => `${d.owner.firstName} ${d.owner.lastName}` },
  {
    header: "Cost savings %",
    key: "costSavingsPercent",
    width: 14,
    value: (d) => d.outcomes?.costSavingsPercent ?? null,
  },
  {
    header: "Efficiency gain %",
    key: "efficiencyGainPercent",
    width: 16,
    value: (d) => d.outcomes?.efficiencyGainPercent ?? null,
  },
  { header: "ROI months", key: "roiMonths", width: 11, value: (d) => d.outcomes?.roiMonths ?? null },
  { header: "Vendor", key: "vendorName", width: 24, value: (d) => d.vendor?.name ?? null },
  { header: "Vendor website", key: "vendorWebsite", width: 30, value: (d) => d.vendor?.website ?? null },
  { header: "Vendor contact", key: "vendorContactName", width: 20, value: (d) => d.vendor?.contactName ?? null },
  { header: "Vendor email", key: "vendorEmail", width: 28, value: (d) => d.vendor?.email ?? null },
  { header: "Vendor phone", key: "vendorPhone", width: 18, value: (d) => d.vendor?.phone ?? null },
  { header: "Vendor contact hidden", key: "vendorContactHidden", width: 12, value: (d) => d.vendorContactHidden },
  { header: "Views", key: "viewCount", width: 8, value: (d) => d.viewCount },
  { header: "Published at", key: "publishedAt", width: 20, value: (d) => d.publishedAt },
  { header: "Updated at", key: "updatedAt", width: 20, value: (d) => d.updatedAt },
  { header: "Archived reason", key: "archivedReason", width: 30, value: (d) => d.archivedReason },
];

export const metricColumns = ["Use case ID", "Metric", "Value", "Unit"];
export const mediaColumns = [
  "Use case ID",
  "Position",
  "File ID",
  "Kind",
  "Status",
  "Width",
  "Height",
  "Duration ms",
  "Caption",
];

function styleHeader(sheet: ExcelJS.Worksheet) {
  const header = sheet.getRow(1);
  header.font = { bold: true, color: { argb: "FFFFFFFF" } };
  header.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FF0B6E4F" } };
  sheet.views = [{ state: "frozen", ySplit: 1 }];
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: sheet.columnCount } };
}

/** The workbook: "Use cases", "Metrics" and "Media" sheets. Dates are real date cells (UTC). */
export async function renderSpreadsheet(details: readonly UseCaseDetail[], exportedAt: Date): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = "P2P Sandbox";
  book.created = exportedAt;

  const cases = book.addWorksheet("Use cases");
  cases.columns = useCaseColumns.map(({ header, key, width }) => ({ header, key, width }));
  for (const d of details) cases.addRow(useCaseColumns.map((c) => c.value(d)));
  for (const key of ["publishedAt", "updatedAt"]) cases.getColumn(key).numFmt = "yyyy-mm-dd hh:mm:ss";
  styleHeader(cases);

  const metrics = book.addWorksheet("Metrics");
  metrics.columns = metricColumns.map((header, i) => ({ header, width: [38, 30, 12, 10][i] }));
  for (const d of details) for (const m of d.outcomes?.metrics ?? []) metrics.addRow([d.id, m.label, m.value, m.unit]);
  styleHeader(metrics);

  const media = book.addWorksheet("Media");
  media.columns = mediaColumns.map((header, i) => ({ header, width: [38, 9, 38, 8, 9, 8, 8, 12, 40][i] }));
  for (const d of details) {
    d.media.forEach((m, i) => {
      media.addRow([d.id, i + 1, m.fileId, m.kind, m.status, m.width, m.height, m.durationMs, m.caption]);
    });
  }
  styleHeader(media);

  return Buffer.from(await book.xlsx.writeBuffer());
}
