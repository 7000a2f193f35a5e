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

/** Tokens in `text` under o200k_base (special-token text is counted as plain text, as the API does for content). */
export function countTokens(encoding: Tiktoken, text: string): number {
  return text === "" ? 0 : encoding.encode(text, [], []).length;
}

/** Words in `text`: the server's old count, kept for tests written against it (`tokenCounting: "words"`). */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
