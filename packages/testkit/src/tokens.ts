import type { Tiktoken } from "js-tiktoken/lite";

/**
 * Token counting for the fake server: OpenAI's `o200k_base` encoding (the gpt-4o and gpt-4.1 family), from the ranks
 * js-tiktoken bundles — nothing is downloaded. The 2 MB rank table loads on the first count, not at import, so a test
 * that never asks for usage pays nothing.
 */
let encoder: Promise<Tiktoken> | undefined;

/** The shared encoder, loaded once. */
export function loadEncoder(): Promise<Tiktoken> {
  encoder ??= Promise.all([import("js-tiktoken/lite"), import("js-tiktoken/ranks/o200k_base")]).then(
    ([{ Tiktoken: Encoder }, ranks]) => new Encoder(ranks.default),
  );
  return encoder;
}

/** A run of non-whitespace long enough to make js-tiktoken's merge loop slow (it is quadratic in a piece's length). */
const LONG_RUN = /\S{17,}/;
/** Text beyond this many characters is not encoded: its count is extrapolated from the first this-many. */
const EXACT_LIMIT = 65_536;

function countExact(encoding: Tiktoken, text: string): number {
  if (!LONG_RUN.test(text)) return encoding.encode(text, [], []).length;
  let tokens = 0;
  for (const part of text.split(/(\S{16})/)) if (part !== "") tokens += encoding.encode(part, [], []).length;
  return tokens;
}

/**
 * Tokens in `text` under o200k_base (special-token text is counted as plain text, as the API does for content).
 * Two shortcuts keep a test with huge input fast, within a few percent of the exact count: runs of more than 16
 * non-whitespace characters (`"y".repeat(5000)`, base64) are counted 16 characters at a time (js-tiktoken takes
 * 11 s for one 5,000-character run, minutes for 20,000), and beyond 64 KiB the count is extrapolated from the first
 * 64 KiB by length (a 10 MB prompt costs what 64 KiB does).
 */
export function countTokens(encoding: Tiktoken, text: string): number {
  if (text === "") return 0;
  if (text.length <= EXACT_LIMIT) return countExact(encoding, text);
  return Math.round((countExact(encoding, text.slice(0, EXACT_LIMIT)) * text.length) / EXACT_LIMIT);
}

/** Words in `text`: the server's old count, kept for tests written against it (`tokenCounting: "words"`). */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
