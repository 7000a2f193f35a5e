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
const LONG_RUN = /\S{65,}/;

/**
 * Tokens in `text` under o200k_base (special-token text is counted as plain text, as the API does for content).
 * Runs of more than 64 non-whitespace characters (`"y".repeat(5000)`, base64) are counted 64 characters at a time:
 * js-tiktoken takes 11 s for one 5,000-character run and minutes for 20,000, while the count this gives stays
 * within a few percent of the exact one.
 */
export function countTokens(encoding: Tiktoken, text: string): number {
  if (text === "") return 0;
  if (!LONG_RUN.test(text)) return encoding.encode(text, [], []).length;
  let tokens = 0;
  for (const part of text.split(/(\S{64})/)) if (part !== "") tokens += encoding.encode(part, [], []).length;
  return tokens;
}

/** Words in `text`: the server's old count, kept for tests written against it (`tokenCounting: "words"`). */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
