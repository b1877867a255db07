import { CompiledQuery } from "kysely";
import type { Db } from "../src/infra/postgres/db";

/** Query plans for tests that assert index use (EXPLAIN ANALYZE, as JSON). */

export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** A node as one short line: "Index Scan forum_topics_latest", "Seq Scan forum_categories". */
const line = (n: PlanNode) =>
  [n["Node Type"], n["Index Name"] ?? n["Relation Name"]].filter(Boolean).join(" ") +
  (n["Actual Rows"] !== undefined ? ` (${n["Actual Rows"]} rows)` : "");

/** Runs the query under EXPLAIN ANALYZE: every plan node, the plan's spine as one line, and its time. */
export async function explainQuery(db: Db, query: { compile(): CompiledQuery }) {
  const compiled = query.compile();
  const result = await db.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(`explain (analyze, format json) ${compiled.sql}`, [...compiled.parameters]),
  );
  const [json] = Object.values(result.rows[0] ?? {}) as [{ Plan: PlanNode; "Execution Time": number }[]];
  const root = json[0] as { Plan: PlanNode; "Execution Time": number };
  const all = nodes(root.Plan);
  // The plan's spine without the cheap wrappers.
  const key = all.filter((n) => !["Limit", "Result", "Memoize"].includes(n["Node Type"]));
  return { nodes: all, key: key.map(line).join(" → "), ms: root["Execution Time"] };
}

export const seqScansOf = (plan: { nodes: PlanNode[] }, table: string) =>
  plan.nodes.filter((n) => n["Node Type"] === "Seq Scan" && n["Relation Name"] === table).length;
