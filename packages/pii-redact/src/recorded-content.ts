/**
 * What a callback handler writes down of a run's content, as the handler declares it (property
 * `recordedContent`) or as the user states it (`withRedaction`'s `recordedContent` option). `withRedaction`
 * reads it to skip the work its handler would throw away: content the handler never records is not redacted,
 * and content it cuts short is cut before it is redacted, not after.
 *
 * Content is what a run carries: prompts and messages, completions and streamed tokens, chain inputs and
 * outputs, tool inputs and outputs, retriever queries and documents, custom event data. Error messages, tags,
 * metadata, run names and the `serialized` description of the model or chain are not content: they are redacted
 * whatever the declaration says (a logger at `content: "none"` still logs errors).
 *
 * The declaration is a promise: content a handler declares it does not record reaches it unredacted.
 *
 * @example
 * ```ts
 * class MetricsHandler extends BaseCallbackHandler {
 *   readonly recordedContent: RecordedContent = { content: "none" };
 * }
 * class TokenPrinter extends BaseCallbackHandler {
 *   // Prints the answer, never the prompt nor what chains pass along.
 *   readonly recordedContent: RecordedContent = { content: "full", inputs: false, chains: false };
 * }
 * ```
 */
export interface RecordedContent {
  /**
   * `"none"`: no content is recorded (metrics, cost, a logger at `content: "none"`). `"truncate"`: every string
   * is cut at `maxLength`. `"full"`: strings are recorded whole.
   */
  content: "none" | "truncate" | "full";
  /** With `"truncate"`: the longest string recorded, in characters. @default 2048 */
  maxLength?: number;
  /**
   * `false`: the run's inputs (prompts and messages, chain and tool inputs, retriever queries) are never
   * recorded, only what comes back (a token printer). @default true
   */
  inputs?: boolean;
  /**
   * `false`: chain inputs and outputs (`handleChainStart` / `handleChainEnd`: prompt values, a sequence's input
   * and result) are never recorded, only what models, tools and retrievers carry (a token printer that shows
   * progress by name). @default true
   */
  chains?: boolean;
}

/** Everything is recorded, whole: what `withRedaction` assumes of a handler that declares nothing. */
export const RECORDS_EVERYTHING: Readonly<RecordedContent> = Object.freeze({ content: "full" });

const LEVELS = ["none", "truncate", "full"] as const;

function checked(declaration: unknown, where: string): RecordedContent {
  if (typeof declaration !== "object" || declaration === null) {
    throw new TypeError(`${where} must be an object like { content: "none" }, got ${String(declaration)}`);
  }
  const { content, maxLength, inputs, chains, ...unknown } = declaration as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) {
    throw new TypeError(`${where}: unknown key "${extra[0]}" (known: content, maxLength, inputs, chains)`);
  }
  if (!LEVELS.includes(content as RecordedContent["content"])) {
    throw new TypeError(`${where}.content must be "none", "truncate" or "full", got ${String(content)}`);
  }
  if (maxLength !== undefined && !(Number.isInteger(maxLength) && (maxLength as number) > 0)) {
    throw new RangeError(`${where}.maxLength must be a positive integer, got ${String(maxLength)}`);
  }
  if (inputs !== undefined && typeof inputs !== "boolean") {
    throw new TypeError(`${where}.inputs must be a boolean, got ${String(inputs)}`);
  }
  if (chains !== undefined && typeof chains !== "boolean") {
    throw new TypeError(`${where}.chains must be a boolean, got ${String(chains)}`);
  }
  return declaration as RecordedContent;
}

/** The declaration that applies: the user's option first, then the handler's own, else {@link RECORDS_EVERYTHING}. */
export function recordedContentOf(handler: object, option: RecordedContent | undefined): RecordedContent {
  if (option !== undefined) return checked(option, "withRedaction: recordedContent");
  const declared = (handler as { recordedContent?: unknown }).recordedContent;
  if (declared === undefined) return RECORDS_EVERYTHING;
  return checked(declared, `${String((handler as { name?: unknown }).name)}.recordedContent`);
}
