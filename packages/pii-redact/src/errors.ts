import { RunBlockedError } from "@chainwatch/core";
import type { Finding, PiiType } from "./types.js";

/** Count of findings per type. */
export type PiiCounts = Partial<Record<PiiType, number>>;

/** Counts findings by type (values are never kept). */
export function countByType(findings: readonly Pick<Finding, "type">[]): PiiCounts {
  const counts: Record<string, number> = {};
  for (const finding of findings) counts[finding.type] = (counts[finding.type] ?? 0) + 1;
  return counts;
}

function describeCounts(counts: PiiCounts): string {
  return Object.entries(counts)
    .map(([type, count]) => `${type} ×${count}`)
    .join(", ");
}

/**
 * Thrown to refuse a text that contains personal data of a blocked type: by the PII guard before a model call
 * leaves, and by a redactor whose strategy for a type is `block`. Carries counts by type, never the values. A
 * {@link RunBlockedError}, so chainwatch's guard lets it stop the run.
 */
export class PiiDetectedError extends RunBlockedError {
  /** Findings per type. */
  readonly counts: PiiCounts;
  /** The types found, in first-seen order. */
  readonly types: PiiType[];

  constructor(counts: PiiCounts, where = "the text") {
    super(`Personal data in ${where} (${describeCounts(counts)}): blocked; the values are not shown`);
    this.counts = counts;
    this.types = Object.keys(counts);
  }
}
