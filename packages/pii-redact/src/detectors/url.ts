import type { Detector, DetectorMatch } from "../types.js";
import { matches } from "./context.js";

/** Scheme URLs and `www.` hosts; 2,048 characters at most, so the scan stays linear. */
const URL_PATTERN = /(?:\b(?:https?|ftp):\/\/|(?<![\w.@/-])www\.)[^\s<>"'`{}|\\^[\]]{1,2048}/gi;

const TRAILING = /[.,;:!?*'"]$/;

/** Cuts sentence punctuation and an unbalanced closing parenthesis off the end of a URL. */
export function trimUrlEnd(text: string, start: number, end: number): number {
  let cut = end;
  for (;;) {
    const value = text.slice(start, cut);
    if (TRAILING.test(value)) {
      cut--;
      continue;
    }
    if (value.endsWith(")")) {
      let open = 0;
      let close = 0;
      for (const char of value) {
        if (char === "(") open++;
        else if (char === ")") close++;
      }
      if (close > open) {
        cut--;
        continue;
      }
    }
    return cut;
  }
}

/** URLs with a scheme or a `www.` host. Bare domains (`example.com`) are left alone: too many false positives. */
export const urlDetector: Detector = {
  type: "URL",
  *detect(text) {
    for (const match of matches(URL_PATTERN, text)) {
      const end = trimUrlEnd(text, match.index, match.index + match[0].length);
      const value = text.slice(match.index, end);
      // A scheme with nothing after it, or a host without a dot, is prose ("see http://"), not a link.
      if (!/^(?:[a-z]+:\/\/)?[^/]*[a-z0-9-]\.[a-z]/i.test(value)) continue;
      const found: DetectorMatch = { start: match.index, end, score: 0.6 };
      yield found;
    }
  },
};
