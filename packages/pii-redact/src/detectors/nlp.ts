import type { Detector, DetectorMatch } from "../types.js";

/** Where compromise puts a match or a term: a character offset and length. */
interface NlpOffset {
  start: number;
  length: number;
}

/** One match of compromise's `.out("offset")`. */
interface NlpMatch {
  offset?: NlpOffset;
  terms?: { offset?: NlpOffset }[];
}

interface NlpView {
  out(format: "offset"): NlpMatch[];
}

/** A parsed document: the two views the adapter reads. */
export interface NlpDocument {
  people(): NlpView;
  places(): NlpView;
}

/** compromise's default export (`import nlp from "compromise"`), or anything with the same shape. */
export type NlpFunction = (text: string) => NlpDocument;

function spans(view: NlpView, score: number): DetectorMatch[] {
  const out: DetectorMatch[] = [];
  for (const match of view.out("offset")) {
    // Term offsets leave out the punctuation compromise attaches to a match ("Mateo," → "Mateo").
    const terms = (match.terms ?? []).map((term) => term.offset).filter((offset) => offset !== undefined);
    const first = terms[0] ?? match.offset;
    const last = terms[terms.length - 1] ?? match.offset;
    if (!first || !last) continue;
    out.push({ start: first.start, end: last.start + last.length, score });
  }
  return out;
}

/**
 * PERSON and LOCATION detectors backed by an NLP library you bring, typically compromise
 * (`npm i compromise`): far better recall on names than the built-in heuristics, at a real cost — compromise
 * is ~4.7 MB installed, and with it redaction runs at about 4 MB/s instead of ~56 (BENCHMARKS.md).
 * Its sentence-level parse also looks beyond the 64 characters a streamed window keeps, so streamed redaction
 * with these detectors can differ from whole-text redaction at chunk edges. Use instead of the built-in
 * PERSON/LOCATION types.
 *
 * @example
 * ```ts
 * import nlp from "compromise";
 * const redactor = createRedactor({ detectors: nlpDetectors(nlp) });
 * ```
 */
export function nlpDetectors(
  nlp: NlpFunction,
  types: readonly ("PERSON" | "LOCATION")[] = ["PERSON", "LOCATION"],
): Detector[] {
  if (typeof nlp !== "function")
    throw new TypeError(`nlpDetectors needs compromise's nlp function, got ${String(nlp)}`);
  // Both detectors of one redaction see the same text: parse it once.
  let lastText: string | undefined;
  let lastDocument: NlpDocument | undefined;
  const parse = (text: string): NlpDocument => {
    if (text !== lastText || lastDocument === undefined) {
      lastDocument = nlp(text);
      lastText = text;
    }
    return lastDocument;
  };
  return types.map((type) => ({
    type,
    name: `nlp:${type}`,
    detect: (text: string) => {
      const document = parse(text);
      return spans(type === "PERSON" ? document.people() : document.places(), 0.7);
    },
  }));
}
