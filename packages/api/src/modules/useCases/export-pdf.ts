import type { UseCaseDetail } from "@p2p/schemas";
import PDFDocument from "pdfkit";
import { PdfText, type TextStyle } from "./pdf-text";

/** A picture ready for pdfkit (PNG or JPEG bytes) with its caption. */
export interface PdfImage {
  data: Buffer;
  width: number;
  height: number;
  caption: string;
}

const INK = "#1f2933";
const MUTED = "#616e7c";
const ACCENT = "#0b6e4f";
const RULE = "#d9e2ec";
const BAND = "#f0f4f8";

const MARGIN = 50;
const HEADER = 28;
const FOOTER = 30;

const industryLabel = (s: string | null) => (s ? s.charAt(0).toUpperCase() + s.slice(1).replaceAll("_", " ") : "—");
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "—");
const number = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, ""));

/**
 * One use case as a document: title and organization, key facts, problem and solution, the
 * outcomes table, its pictures and, when the reader may see them, the vendor's contact details.
 * `detail` is exactly what `useCases.get` answers the reader, so the PDF shows nothing more.
 */
export async function renderUseCasePdf(detail: UseCaseDetail, images: PdfImage[], exportedAt: Date): Promise<Buffer> {
  const doc = new PDFDocument({
    size: "A4",
    margins: { top: MARGIN + HEADER, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: { Title: detail.title, Author: detail.organization.name, Subject: "Use case", Creator: "P2P Sandbox" },
    pdfVersion: "1.7",
  });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });

  const text = new PdfText(doc);
  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;
  const bottom = doc.page.height - MARGIN - FOOTER;
  const top = MARGIN + HEADER;
  const newPage = () => {
    doc.addPage();
    return top;
  };
  const flow = { bottom, newPage };
  let y = top;
  /** Starts a new page unless `height` more fits on this one. */
  const room = (height: number) => {
    if (y + height > bottom) y = newPage();
  };
  const write = (s: string, style: TextStyle, x = left, w = width) => {
    y = text.write(s, x, y, w, style, flow);
  };

  // Title block.
  if (detail.status !== "published") {
    const label = detail.status === "draft" ? "DRAFT" : "ARCHIVED";
    doc
      .roundedRect(left, y, text.widthOf(label, { size: 8, bold: true }) + 12, 16, 3)
      .fill(detail.status === "draft" ? "#b44d12" : MUTED);
    text.write(label, left + 6, y + 3, width, { size: 8, bold: true, color: "#ffffff" });
    y += 24;
  }
  write(detail.title, { size: 22, bold: true, color: INK, leading: 1.2 });
  y += 2;
  write(detail.organization.name, { size: 13, bold: true, color: ACCENT });
  write(`Submitted by ${detail.owner.firstName} ${detail.owner.lastName}`, { size: 9, color: MUTED });
  y += 8;
  if (detail.summary) {
    const h = text.measure(detail.summary, width - 24, { size: 11 }) + 16;
    room(Math.min(h, 200));
    doc.rect(left, y, 3, Math.min(h, bottom - y)).fill(ACCENT);
    y += 8;
    write(detail.summary, { size: 11, color: INK }, left + 14, width - 24);
    y += 10;
  }

  // Key facts, two columns of label/value.
  const place = [detail.city, detail.country].filter(Boolean).join(", ") || "—";
  const facts: [string, string][] = [
    ["Industry", industryLabel(detail.industry)],
    ["Location", place],
    ["Technologies", detail.technologies.join(", ") || "—"],
    ["Tags", detail.tags.join(", ") || "—"],
    ["Published", day(detail.publishedAt)],
    ["Last updated", day(detail.updatedAt)],
  ];
  y += 4;
  const colWidth = (width - 20) / 2;
  for (let i = 0; i < facts.length; i += 2) {
    const pair = facts.slice(i, i + 2);
    const h = Math.max(...pair.map(([, v]) => text.measure(v, colWidth, { size: 10 }))) + 14;
    room(h);
    const rowTop = y;
    pair.forEach(([label, value], col) => {
      const x = left + col * (colWidth + 20);
      text.write(label.toUpperCase(), x, rowTop, colWidth, { size: 7.5, bold: true, color: MUTED });
      text.write(value, x, rowTop + 11, colWidth, { size: 10, color: INK });
    });
    y = rowTop + h;
  }

  /** A thin line across the page at y. */
  const rule = () =>
    doc
      .moveTo(left, y)
      .lineTo(left + width, y)
      .lineWidth(0.8)
      .strokeColor(RULE)
      .stroke();
  /** A section title, kept on one page with the first `keep` points of what follows. */
  const heading = (title: string, keep = 40) => {
    room(keep + 36);
    y += 10;
    write(title, { size: 14, bold: true, color: ACCENT });
    rule();
    y += 8;
  };

  heading("Problem");
  write(detail.problem || "—", { size: 10.5, color: INK });
  heading("Solution");
  write(detail.solution || "—", { size: 10.5, color: INK });

  // Outcomes: a table of the headline figures and the further metrics.
  heading("Outcomes");
  const o = detail.outcomes;
  const rows: [string, string][] = [];
  if (o) {
    if (o.costSavingsPercent !== null) rows.push(["Cost savings", `${number(o.costSavingsPercent)} %`]);
    if (o.efficiencyGainPercent !== null) rows.push(["Efficiency gain", `${number(o.efficiencyGainPercent)} %`]);
    if (o.roiMonths !== null) rows.push(["Return on investment", `${o.roiMonths} months`]);
    for (const m of o.metrics) rows.push([m.label, `${number(m.value)}${m.unit ? ` ${m.unit}` : ""}`]);
  }
  if (!rows.length) write("No outcomes recorded yet.", { size: 10.5, color: MUTED });
  else {
    const labelWidth = width * 0.62;
    const cell = { size: 10 };
    room(26);
    doc.rect(left, y, width, 20).fill(ACCENT);
    text.write("Metric", left + 8, y + 5, labelWidth, { size: 9, bold: true, color: "#ffffff" });
    text.write("Result", left + labelWidth + 8, y + 5, width - labelWidth - 16, {
      size: 9,
      bold: true,
      color: "#ffffff",
    });
    y += 20;
    rows.forEach(([label, value], i) => {
      const h =
        Math.max(text.measure(label, labelWidth - 16, cell), text.measure(value, width - labelWidth - 16, cell)) + 10;
      room(h);
      if (i % 2 === 0) doc.rect(left, y, width, h).fill(BAND);
      text.write(label, left + 8, y + 5, labelWidth - 16, { ...cell, color: INK });
      text.write(value, left + labelWidth + 8, y + 5, width - labelWidth - 16, { ...cell, bold: true, color: INK });
      y += h;
    });
    rule();
    y += 4;
  }

  // Pictures, each scaled to the page width (at most 240 pt high), with its caption.
  if (images.length) {
    const first = images[0] as PdfImage;
    heading("Pictures", first.height * Math.min(width / first.width, 240 / first.height, 1) + 20);
    for (const image of images) {
      const scale = Math.min(width / image.width, 240 / image.height, 1);
      const w = image.width * scale;
      const h = image.height * scale;
      const captionHeight = image.caption ? text.measure(image.caption, width, { size: 9 }) + 4 : 0;
      room(h + captionHeight + 12);
      doc.image(image.data, left + (width - w) / 2, y, { width: w, height: h });
      y += h + 4;
      if (image.caption)
        y = text.write(image.caption, left, y, width, { size: 9, color: MUTED }, { ...flow, align: "center" });
      y += 8;
    }
  }

  // The vendor, with contact details only when the reader may see them.
  const vendor = detail.vendor;
  if (vendor) {
    heading("Vendor");
    const lines: [string, string][] = [["Name", vendor.name]];
    if (vendor.website) lines.push(["Website", vendor.website]);
    if (!detail.vendorContactHidden) {
      if (vendor.contactName) lines.push(["Contact", vendor.contactName]);
      if (vendor.email) lines.push(["Email", vendor.email]);
      if (vendor.phone) lines.push(["Phone", vendor.phone]);
    }
    const note = detail.vendorContactHidden
      ? "Contact details are shown to members with a verified email address."
      : "";
    const inner = width - 24;
    const h =
      lines.reduce((sum, [, v]) => sum + Math.max(14, text.measure(v, inner - 80, { size: 10 })), 0) +
      (note ? text.measure(note, inner, { size: 9 }) + 4 : 0) +
      20;
    room(h);
    doc.roundedRect(left, y, width, h, 4).fillAndStroke(BAND, RULE);
    let at = y + 10;
    for (const [label, value] of lines) {
      text.write(label, left + 12, at, 76, { size: 9, bold: true, color: MUTED });
      at = Math.max(
        at + 14,
        text.write(value, left + 92, at, inner - 80, { size: 10, bold: label === "Name", color: INK }),
      );
    }
    if (note) text.write(note, left + 12, at + 2, inner, { size: 9, color: MUTED });
    y += h + 6;
  }

  // Header and footer on every page.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Text below the bottom margin would otherwise start a page of its own.
    doc.page.margins.bottom = 0;
    const pageWidth = doc.page.width;
    doc.rect(0, 0, pageWidth, 6).fill(ACCENT);
    text.write("P2P Sandbox · Use case", MARGIN, MARGIN - 22, width, { size: 8, bold: true, color: ACCENT });
    const footerY = doc.page.height - MARGIN - 10;
    doc
      .moveTo(MARGIN, footerY - 6)
      .lineTo(pageWidth - MARGIN, footerY - 6)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    text.write(`Exported ${day(exportedAt)} · ${detail.id}`, MARGIN, footerY, width - 80, { size: 7.5, color: MUTED });
    const pageLabel = `Page ${i - range.start + 1} of ${range.count}`;
    text.write(pageLabel, pageWidth - MARGIN - text.widthOf(pageLabel, { size: 7.5 }), footerY, 80, {
      size: 7.5,
      color: MUTED,
    });
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
