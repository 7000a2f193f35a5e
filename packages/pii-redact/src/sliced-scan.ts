import { MAX_CONTEXT_CHARS } from "./detectors/context.js";
import type { Finding, PiiType } from "./types.js";

/** Text scanned between two yields to the event loop: a few milliseconds of detection. */
export const SLICE_CHARS = 65_536;
/**
 * Text read past each side of a slice: the context a detector may look at, plus room for a value that starts in
 * the slice and runs past its end (longer values are still found, from their start, if cut shorter).
 */
const OVERLAP_CHARS = MAX_CONTEXT_CHARS + 512;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The findings of `texts` whose type is in `types`, scanning at most {@link SLICE_CHARS} (plus overlap) between
 * two turns of the event loop, so a 10 MB prompt never holds the loop for one long scan. Each finding is counted
 * in the slice its value starts in. With `stopAtFirst`, the scan ends at the first slice that holds one.
 */
export async function findInSlices(
  texts: readonly string[],
  detect: (text: string) => Finding[],
  types: ReadonlySet<PiiType>,
  stopAtFirst: boolean,
): Promise<Finding[]> {
  const found: Finding[] = [];
  let sinceYield = 0;
  for (const text of texts) {
    for (let start = 0; start < text.length; start += SLICE_CHARS) {
      if (sinceYield >= SLICE_CHARS) {
        await nextTurn();
        sinceYield = 0;
      }
      const from = Math.max(0, start - OVERLAP_CHARS);
      const end = Math.min(text.length, start + SLICE_CHARS);
      const window = text.slice(from, Math.min(text.length, end + OVERLAP_CHARS));
      sinceYield += window.length;
      for (const finding of detect(window)) {
        const at = finding.start + from;
        if (at >= start && at < end && types.has(finding.type))
          found.push({ ...finding, start: at, end: finding.end + from });
      }
      if (stopAtFirst && found.length > 0) return found;
    }
  }
  return found;
}
