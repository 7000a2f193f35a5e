/**
 * Precision, recall and F1 per type on bench/corpus.txt for this package and, side by side, `redact-pii`,
 * `@redactpii/node` and LangChain's `piiMiddleware` detectors; plus the share of hard-negative lines each one
 * changes.
 */
import { Redactor as RedactPiiNode } from "@redactpii/node";
import nlp from "compromise";
import { detectCreditCard, detectEmail, detectIP, detectMacAddress, detectUrl } from "langchain";
import redactPii from "redact-pii";
import { createRedactor, nlpDetectors, PII_TYPES } from "../src/index.js";

import { type CorpusLine, loadCorpus, type Span, type System, score } from "./scoring.js";

export { type CorpusLine, loadCorpus, type Span, type System, score };

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Recovers spans from a library that only returns redacted text, via its placeholders. */
function alignedSpans(original: string, redacted: string, placeholders: Record<string, string>): Span[] {
  if (original === redacted) return [];
  const names = Object.keys(placeholders).sort((a, b) => b.length - a.length);
  const splitter = new RegExp(`(${names.map(escapeRegExp).join("|")})`);
  const parts = redacted.split(splitter);
  const types: string[] = [];
  let source = "^";
  for (const [index, part] of parts.entries()) {
    if (index % 2 === 1) {
      types.push(placeholders[part] ?? "OTHER");
      source += "([\\s\\S]+?)";
    } else source += escapeRegExp(part);
  }
  const match = new RegExp(`${source}$`, "d").exec(original);
  if (!match?.indices) return [{ type: "OTHER", start: 0, end: original.length }];
  return types.map((type, index) => {
    const [start, end] = match.indices?.[index + 1] ?? [0, 0];
    return { type, start, end };
  });
}

const ours = createRedactor({ types: PII_TYPES });
const oursDefault = createRedactor();
const oursNlp = createRedactor({ detectors: nlpDetectors(nlp) });
const redactPiiSync = new redactPii.SyncRedactor();
const redactPiiNode = new RedactPiiNode();

const REDACT_PII_PLACEHOLDERS: Record<string, string> = {
  EMAIL_ADDRESS: "EMAIL",
  PHONE_NUMBER: "PHONE",
  CREDIT_CARD_NUMBER: "CREDIT_CARD",
  US_SOCIAL_SECURITY_NUMBER: "US_SSN",
  IP_ADDRESS: "IP_ADDRESS",
  URL: "URL",
  PERSON_NAME: "PERSON",
  STREET_ADDRESS: "LOCATION",
  ZIPCODE: "LOCATION",
  PASSWORD: "API_KEY",
  CREDENTIALS: "API_KEY",
  USERNAME: "OTHER",
  DIGITS: "OTHER",
};
const REDACTPII_NODE_PLACEHOLDERS: Record<string, string> = {
  EMAIL_ADDRESS: "EMAIL",
  PHONE_NUMBER: "PHONE",
  CREDIT_CARD_NUMBER: "CREDIT_CARD",
  SSN: "US_SSN",
  US_SOCIAL_SECURITY_NUMBER: "US_SSN",
  PERSON_NAME: "PERSON",
};

/** The systems compared, by name. */
export const SYSTEMS: Record<string, System> = {
  "@chainwatch/pii-redact (all types)": (text) => ours.detect(text),
  "@chainwatch/pii-redact (default types)": (text) => oursDefault.detect(text),
  "@chainwatch/pii-redact (default + compromise names/places)": (text) => oursNlp.detect(text),
  "redact-pii 3.4.0": (text) => alignedSpans(text, redactPiiSync.redact(text), REDACT_PII_PLACEHOLDERS),
  "@redactpii/node 1.0.17": (text) =>
    alignedSpans(text, redactPiiNode.redact(text), REDACTPII_NODE_PLACEHOLDERS),
  "langchain piiMiddleware detectors 1.5.14": (text) => [
    ...detectEmail(text).map((match) => ({ type: "EMAIL", start: match.start, end: match.end })),
    ...detectCreditCard(text).map((match) => ({ type: "CREDIT_CARD", start: match.start, end: match.end })),
    ...detectIP(text).map((match) => ({ type: "IP_ADDRESS", start: match.start, end: match.end })),
    ...detectMacAddress(text).map((match) => ({ type: "MAC_ADDRESS", start: match.start, end: match.end })),
    ...detectUrl(text).map((match) => ({ type: "URL", start: match.start, end: match.end })),
  ],
};

export function qualityReport(file = "corpus.txt"): string {
  const corpus = loadCorpus(file);
  const scores = Object.fromEntries(
    Object.entries(SYSTEMS).map(([name, system]) => [name, score(system, corpus)]),
  );
  const fmt = (value: number | undefined) => (value === undefined ? "—" : value.toFixed(2));
  const labelled = corpus.filter((line) => !line.hardNegative).length;
  const goldByType: Record<string, number> = {};
  for (const line of corpus)
    for (const span of line.gold) goldByType[span.type] = (goldByType[span.type] ?? 0) + 1;
  const lines: string[] = [
    `Corpus: ${corpus.length} lines (${labelled} labelled, ${corpus.length - labelled} hard negatives); gold values by type: ${Object.entries(
      goldByType,
    )
      .map(([type, count]) => `${type} ${count}`)
      .join(", ")}.`,
    "",
    `| type | ${Object.keys(SYSTEMS).join(" | ")} |`,
    `| --- | ${Object.keys(SYSTEMS)
      .map(() => "---")
      .join(" | ")} |`,
  ];
  for (const type of PII_TYPES) {
    const cells = Object.values(scores).map((result) => {
      const entry = result.types[type];
      if (!entry || entry.tp + entry.fp === 0) return `P — R ${fmt(entry?.recall ?? 0)} F1 0.00`;
      return `P ${fmt(entry.precision)} R ${fmt(entry.recall)} **F1 ${fmt(entry.f1)}**`;
    });
    lines.push(`| ${type} | ${cells.join(" | ")} |`);
  }
  const structured = PII_TYPES.filter((type) => type !== "PERSON" && type !== "LOCATION");
  const macroCells = Object.values(scores).map((result) => {
    const f1s = structured.map((type) => result.types[type]?.f1 ?? 0);
    return `**${fmt(f1s.reduce((sum, value) => sum + value, 0) / f1s.length)}**`;
  });
  lines.push(`| macro F1, the 10 structured types | ${macroCells.join(" | ")} |`);
  const otherCells = Object.values(scores).map((result) => String(result.types.OTHER?.fp ?? 0));
  lines.push(`| untyped changes (e.g. DIGITS) | ${otherCells.join(" | ")} |`);
  const negativeCells = Object.values(scores).map(
    (result) =>
      `${result.hardNegativeLinesChanged}/${result.hardNegativeLines} (${((100 * result.hardNegativeLinesChanged) / result.hardNegativeLines).toFixed(1)}%)`,
  );
  lines.push(`| hard-negative lines changed | ${negativeCells.join(" | ")} |`);
  lines.push(
    `| typed micro F1 (all labelled types) | ${Object.values(scores)
      .map((result) => `**${fmt(result.microF1)}**`)
      .join(" | ")} |`,
  );
  const pct = (entry: { leaked: number; total: number } | undefined) =>
    entry === undefined || entry.total === 0 ? "—" : `${((100 * entry.leaked) / entry.total).toFixed(1)}%`;
  lines.push(
    `| leak, all values (left readable) | ${Object.values(scores)
      .map((result) => pct(result.leaks.ALL))
      .join(" | ")} |`,
  );
  for (const type of PII_TYPES) {
    if ((goldByType[type] ?? 0) === 0) continue;
    lines.push(
      `| leak, ${type} | ${Object.values(scores)
        .map((result) => pct(result.leaks[type]))
        .join(" | ")} |`,
    );
  }
  lines.push(
    `| partial names (PERSON finding cutting a labelled name) | ${Object.values(scores)
      .map((result) => String(result.partialNames))
      .join(" | ")} |`,
  );
  return lines.join("\n");
}

/** Lines a system gets wrong, for tuning (not in the report). */
export function errors(systemName: string, file = "corpus.txt"): string[] {
  const system = SYSTEMS[systemName];
  if (!system) throw new Error(`no system ${systemName}`);
  const out: string[] = [];
  for (const line of loadCorpus(file)) {
    const predicted = system(line.text);
    const gold = line.gold.map((span) => `${span.type}:${line.text.slice(span.start, span.end)}`).sort();
    const found = predicted.map((span) => `${span.type}:${line.text.slice(span.start, span.end)}`).sort();
    if (gold.join("|") !== found.join("|"))
      out.push(`${line.text.slice(0, 160)}\n   gold  ${gold.join(" | ")}\n   found ${found.join(" | ")}`);
  }
  return out;
}

if (process.argv[1]?.endsWith("quality.ts")) {
  const file = process.argv.includes("--heldout")
    ? "corpus-heldout.txt"
    : process.argv.includes("--holdout")
      ? "corpus-holdout.txt"
      : "corpus.txt";
  // The held-out set is never tuned on: its per-line errors are not printed.
  if (process.argv.includes("--errors") && file === "corpus-heldout.txt")
    throw new Error("--errors is refused on the held-out set: tune on corpus.txt only");
  if (process.argv.includes("--errors"))
    console.log(errors("@chainwatch/pii-redact (all types)", file).join("\n"));
  else console.log(qualityReport(file));
}
