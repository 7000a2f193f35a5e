/** Corpus loading and scoring for the quality report and the quality tests (no competitor libraries here). */
import { readFileSync } from "node:fs";

export interface Span {
  type: string;
  start: number;
  end: number;
}

export interface CorpusLine {
  text: string;
  gold: Span[];
  hardNegative: boolean;
}

/** Reads the corpus: `{{TYPE|value}}` labels become spans on the plain text. */
export function loadCorpus(file = "corpus.txt"): CorpusLine[] {
  const raw = readFileSync(new URL(`./${file}`, import.meta.url), "utf8");
  const out: CorpusLine[] = [];
  for (const line of raw.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const kind = line.slice(0, 1);
    const body = line.slice(2).replace(/\\n/g, "\n");
    let text = "";
    const gold: Span[] = [];
    let cursor = 0;
    for (const match of body.matchAll(/\{\{([A-Z_]+)\|([^}]*)\}\}/g)) {
      text += body.slice(cursor, match.index);
      gold.push({ type: match[1] ?? "", start: text.length, end: text.length + (match[2] ?? "").length });
      text += match[2];
      cursor = match.index + match[0].length;
    }
    text += body.slice(cursor);
    out.push({ text, gold, hardNegative: kind === "N" });
  }
  return out;
}

/** A system under test: the spans it finds in a text. */
export type System = (text: string) => Span[];
export interface TypeScore {
  tp: number;
  fp: number;
  fn: number;
  precision: number | undefined;
  recall: number;
  f1: number;
}

export interface SystemScore {
  types: Record<string, TypeScore>;
  hardNegativeLinesChanged: number;
  hardNegativeLines: number;
  /** Typed micro F1 over every labelled type. */
  microF1: number;
  /** Labelled values with a letter or digit left outside every finding (any type), per type and overall. */
  leaks: Record<string, { leaked: number; total: number }>;
  /** PERSON findings that overlap a labelled name without covering all of it. */
  partialNames: number;
}

const ALNUM = /[\p{L}\p{N}]/u;

/** Whether some letter or digit of the span lies outside every predicted span. */
function leaked(text: string, gold: Span, predicted: readonly Span[]): boolean {
  for (let index = gold.start; index < gold.end; index++) {
    if (!ALNUM.test(text.charAt(index))) continue;
    if (!predicted.some((span) => span.start <= index && index < span.end)) return true;
  }
  return false;
}

export const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

/** Scores a system: a prediction is a true positive when it overlaps an unmatched gold span of its type. */
export function score(system: System, corpus: readonly CorpusLine[]): SystemScore {
  const counts: Record<string, { tp: number; fp: number; fn: number }> = {};
  const bucket = (type: string) => {
    counts[type] ??= { tp: 0, fp: 0, fn: 0 };
    return counts[type];
  };
  let changed = 0;
  let partialNames = 0;
  const leaks: Record<string, { leaked: number; total: number }> = { ALL: { leaked: 0, total: 0 } };
  for (const line of corpus) {
    const predicted = system(line.text);
    if (line.hardNegative && predicted.length > 0) changed++;
    for (const gold of line.gold) {
      leaks[gold.type] ??= { leaked: 0, total: 0 };
      const isLeak = leaked(line.text, gold, predicted);
      for (const key of [gold.type, "ALL"]) {
        const entry = leaks[key] as { leaked: number; total: number };
        entry.total++;
        if (isLeak) entry.leaked++;
      }
      if (gold.type === "PERSON") {
        const partial = predicted.some(
          (span) =>
            span.type === "PERSON" &&
            overlaps(span, gold) &&
            (span.start > gold.start || span.end < gold.end),
        );
        if (partial) partialNames++;
      }
    }
    const matched = new Set<Span>();
    for (const prediction of predicted) {
      const gold = line.gold.find((span) => span.type === prediction.type && overlaps(span, prediction));
      if (gold && !matched.has(gold)) {
        matched.add(gold);
        bucket(prediction.type).tp++;
      } else if (!gold) bucket(prediction.type).fp++;
    }
    for (const gold of line.gold) if (!matched.has(gold)) bucket(gold.type).fn++;
  }
  const types: Record<string, TypeScore> = {};
  let sumTp = 0;
  let sumFp = 0;
  let sumFn = 0;
  for (const [type, { tp, fp, fn }] of Object.entries(counts)) {
    if (type !== "OTHER") {
      sumTp += tp;
      sumFp += fp;
      sumFn += fn;
    }
    const precision = tp + fp === 0 ? undefined : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    const f1 =
      precision === undefined || precision + recall === 0
        ? 0
        : (2 * precision * recall) / (precision + recall);
    types[type] = { tp, fp, fn, precision, recall, f1 };
  }
  const microF1 = sumTp === 0 ? 0 : (2 * sumTp) / (2 * sumTp + sumFp + sumFn);
  return {
    types,
    microF1,
    leaks,
    partialNames,
    hardNegativeLinesChanged: changed,
    hardNegativeLines: corpus.filter((line) => line.hardNegative).length,
  };
}

/** The quality section of BENCHMARKS.md. */
