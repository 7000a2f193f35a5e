import { type ChainwatchHandlerOptions, handlerOptionShape } from "@chainwatch/core";
import type { RecordedContent } from "./recorded-content.js";
import type { StreamRedactorOptions } from "./stream.js";

/** Options of {@link withRedaction}. */
export interface WithRedactionOptions extends ChainwatchHandlerOptions, StreamRedactorOptions {
  /**
   * What the wrapped handler records of a run's content, when the handler does not say so itself through its
   * `recordedContent` property (see {@link RecordedContent}). Content it never records is not redacted; content
   * it truncates is cut first.
   * @default the handler's `recordedContent`, else everything, whole
   */
  recordedContent?: RecordedContent;
  /**
   * Characters of text redacted per callback event at most, so that no event holds the event loop long whatever
   * the prompt. Past it, the rest of each string is replaced by a `[REDACTED:CUT n chars]` marker.
   * @default 262144
   */
  maxEventChars?: number;
}

/** The option keys of {@link withRedaction}: an unknown one throws. */
export const WITH_REDACTION_OPTIONS = handlerOptionShape({
  holdBackChars: true,
  maxPendingChars: true,
  recordedContent: { content: true, maxLength: true, inputs: true, chains: true },
  maxEventChars: true,
});

/** The wrapped handler's LangChain flags the wrapper copies. */
export const FLAGS = [
  "ignoreLLM",
  "ignoreChain",
  "ignoreAgent",
  "ignoreRetriever",
  "ignoreCustomEvent",
  "raiseError",
  "awaitHandlers",
] as const;
