import type { DetectorMatch } from "../types.js";

/**
 * The farthest any built-in detector looks around a value (context words, boundaries). The stream redactor
 * holds back at least this much, so a detector must never look farther.
 */
export const MAX_CONTEXT_CHARS = 64;

/** Up to `chars` characters before `start`, lower-cased (context words are matched on this). */
export function before(text: string, start: number, chars = 40): string {
  return text.slice(Math.max(0, start - Math.min(chars, MAX_CONTEXT_CHARS)), start).toLowerCase();
}

/** Up to `chars` characters after `end`, lower-cased. */
export function after(text: string, end: number, chars = 24): string {
  return text.slice(end, end + Math.min(chars, MAX_CONTEXT_CHARS)).toLowerCase();
}

/** Every match of a global or sticky regex, without `matchAll`'s iterator allocations per match. */
export function* matches(pattern: RegExp, text: string): Generator<RegExpExecArray> {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    yield match;
    if (match[0].length === 0) pattern.lastIndex++;
  }
}

/** A match at the regex's own span. */
export function spanOf(match: RegExpExecArray, score: number, group = 0): DetectorMatch {
  const value = match[group] ?? "";
  const start = group === 0 ? match.index : match.index + match[0].indexOf(value);
  return { start, end: start + value.length, score };
}

/** Luhn checksum over the digits of a string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** True when every character of the string is the same (0000…, xxxx…): a placeholder, not a value. */
export function isRepeated(value: string): boolean {
  for (let index = 1; index < value.length; index++) {
    if (value.charCodeAt(index) !== value.charCodeAt(0)) return false;
  }
  return true;
}

const DIGIT = /[0-9]/g;
let runsText: string | undefined;
let runsList: readonly number[] = [];

/**
 * Where the first digit run at or after `from` starts and ends, as `[start, end]` into `into` (no allocation),
 * or false: `test` (no match object) finds the first digit natively; the end is read here.
 */
export function nextDigitRun(text: string, from: number, into: [number, number]): boolean {
  DIGIT.lastIndex = from;
  if (!DIGIT.test(text)) return false;
  const start = DIGIT.lastIndex - 1;
  let end = start + 1;
  for (let code = text.charCodeAt(end); code >= 48 && code <= 57; code = text.charCodeAt(end)) end++;
  into[0] = start;
  into[1] = end;
  return true;
}

/** The digit runs of `text` if they are known (the last text scanned to its end), else undefined. */
export function knownDigitRuns(text: string): readonly number[] | undefined {
  return text === runsText ? runsList : undefined;
}

/** Keeps the digit runs of a text read to its end, for the next detector that asks about the same text. */
export function rememberDigitRuns(text: string, runs: readonly number[]): void {
  runsText = text;
  runsList = runs;
}

/**
 * Where the digit runs of a text start and end (`[start0, end0, start1, end1, …]`), for the last text asked
 * about: dates and street addresses are both looked for only near digits, and one native scan serves both.
 */
export function digitRuns(text: string): readonly number[] {
  const known = knownDigitRuns(text);
  if (known !== undefined) return known;
  const list: number[] = [];
  const run: [number, number] = [0, 0];
  for (let from = 0; nextDigitRun(text, from, run); from = run[1]) list.push(run[0], run[1]);
  rememberDigitRuns(text, list);
  return list;
}

/** Occurrences of an anchor tried one by one before a text counts as dense with it. */
const ANCHOR_TRIES = 32;

/**
 * Whether `sticky` matches at some occurrence of `anchor` (a character every match starts with), the same
 * answer as `global.test(text)`: occurrences are found by `indexOf` (a native search for one character, far
 * faster than a regex stepping through every position of prose) and tried one by one; past
 * {@link ANCHOR_TRIES} of them the text is dense with the anchor and `global` scans the rest.
 */
export function matchesAtAnchor(text: string, anchor: string, sticky: RegExp, global: RegExp): boolean {
  let at = text.indexOf(anchor);
  for (let tries = 0; at !== -1; tries++) {
    if (tries === ANCHOR_TRIES) {
      global.lastIndex = at;
      return global.test(text);
    }
    sticky.lastIndex = at;
    if (sticky.test(text)) return true;
    at = text.indexOf(anchor, at + 1);
  }
  return false;
}
