import type { RecordedContent } from "./recorded-content.js";
import { type RedactDeepOptions, redactDeep } from "./redact-value.js";
import type { Redactor } from "./redactor.js";

/**
 * Characters redacted per callback event at most, by default: about 10 ms of detection on text dense with
 * personal data at the redactor's target speed. Past it the rest of a string is cut, never forwarded raw.
 */
export const DEFAULT_MAX_EVENT_CHARS = 262_144;

/** Marker that replaces the part of a string that was not redacted (over the budget, or past `maxLength`). */
export const cutMarker = (chars: number): string => `[REDACTED:CUT ${chars} chars]`;

/** Strings up to this length are remembered once redacted: prompts, system messages, model names repeat. */
const CACHED_MAX_CHARS = 16_384;
const CACHE_MAX_ENTRIES = 2_048;
const CACHE_MAX_CHARS = 4_194_304;
/** Room past a cut for a value that crosses it to be seen whole (the longest a detector needs, with context). */
const CUT_MARGIN = 192;

/**
 * A run or message id: a UUID, bare or behind LangChain's `run-` prefix. It holds no personal data, and a new one
 * arrives with every call (a message's `id`), so it skips the redactor and the cache it would only churn.
 */
const ID = /^(?:run-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isId(text: string): boolean {
  return (text.length === 36 || text.length === 40) && ID.test(text);
}

/** How one argument of a callback is treated. */
export type ArgumentRole =
  /** Passed as it is: ids, indices, run types. */
  | "keep"
  /** A run's input (prompt, messages, tool input, retriever query): content. */
  | "input"
  /** A run's output (completion, tool output, documents, event data): content. */
  | "output"
  /** A chain's input: content, and passed when the handler records no chain content. */
  | "chain-input"
  /** A chain's output: content, and passed when the handler records no chain content. */
  | "chain-output"
  /** Errors, tags, metadata, extra params: redacted whatever the declaration. */
  | "meta"
  /** `serialized`: redacted whatever the declaration, and remembered per object from run to run. */
  | "structure";

function isContent(role: ArgumentRole): boolean {
  return role === "input" || role === "output" || role === "chain-input" || role === "chain-output";
}

interface SharedWork {
  strings: Map<string, string>;
  chars: { total: number };
  structures: WeakMap<object, unknown>;
}

/**
 * Work shared by every wrapper that uses the same redactor (the logger's and the stream's in one stack, and the
 * copies LangChain makes): a string or a `serialized` object redacted for one is not redacted again for another.
 */
const sharedWork = new WeakMap<Redactor, SharedWork>();

function sharedWorkOf(redactor: Redactor): SharedWork {
  let work = sharedWork.get(redactor);
  if (work === undefined) {
    work = { strings: new Map(), chars: { total: 0 }, structures: new WeakMap() };
    sharedWork.set(redactor, work);
  }
  return work;
}

/**
 * The redaction of callback arguments for one wrapped handler: each distinct string redacted once (a bounded
 * cache, shared by every wrapper on the same redactor), only what changed copied, `serialized` remembered per object,
 * content the handler does not record left alone, content it truncates cut first, and at most `maxEventChars`
 * of detection per event.
 */
export class EventRedaction {
  private readonly strings: Map<string, string>;
  private readonly structures: WeakMap<object, unknown>;
  private readonly cachedChars: { total: number };
  private left = 0;
  private cut = false;
  /** Strings redacted in the current event but not cached (long, or cut short): a repeat in it is not redone. */
  private readonly eventTexts = new Map<string, string>();
  private readonly contentLength: number;

  constructor(
    private readonly redactor: Redactor,
    readonly recorded: RecordedContent,
    private readonly maxEventChars: number,
  ) {
    const work = sharedWorkOf(redactor);
    this.strings = work.strings;
    this.cachedChars = work.chars;
    this.structures = work.structures;
    this.structureOptions = { shared: this.structures, shareable: () => !this.cut };
    this.contentLength =
      recorded.content === "truncate" ? (recorded.maxLength ?? 2048) + CUT_MARGIN : Number.POSITIVE_INFINITY;
  }

  /** Whether arguments of this role reach the handler as they are. */
  passes(role: ArgumentRole): boolean {
    if (role === "keep") return true;
    if (role === "input") return this.recorded.content === "none" || this.recorded.inputs === false;
    if (role === "output") return this.recorded.content === "none";
    if (role === "chain-input") {
      return (
        this.recorded.content === "none" || this.recorded.inputs === false || this.recorded.chains === false
      );
    }
    if (role === "chain-output") return this.recorded.content === "none" || this.recorded.chains === false;
    return false;
  }

  /** Whether streamed tokens (content) reach the handler as they are. */
  get passesTokens(): boolean {
    return this.recorded.content === "none";
  }

  /** Starts an event: a fresh detection budget. */
  begin(): void {
    this.left = this.maxEventChars;
    if (this.eventTexts.size > 0) this.eventTexts.clear();
  }

  /** One argument, redacted as its role asks. */
  argument<T>(value: T, role: ArgumentRole): T {
    if (this.passes(role)) return value;
    if (typeof value === "string") return this.text(value, this.limitOf(role)) as T;
    if (typeof value !== "object" || value === null) return value;
    if (isContent(role)) return redactDeep(value, this.contentText) as T;
    if (role !== "structure") return redactDeep(value, this.anyText) as T;
    this.cut = false;
    return redactDeep(value, this.anyText, this.structureOptions) as T;
  }

  // Bound once: a callback event allocates no closures.
  private readonly contentText = (text: string): string => this.text(text, this.contentLength);
  private readonly anyText = (text: string): string => this.text(text);
  private readonly structureOptions: RedactDeepOptions;

  private limitOf(role: ArgumentRole): number {
    return isContent(role) ? this.contentLength : Number.POSITIVE_INFINITY;
  }

  /** A string redacted: from the cache, else within the event's budget and the role's length limit. */
  text(text: string, limit: number = Number.POSITIVE_INFINITY): string {
    const cacheable = text.length <= CACHED_MAX_CHARS;
    // A message carries its text twice (content and lc_kwargs.content): the second is not redacted again.
    const known = cacheable ? this.strings.get(text) : undefined;
    if (known !== undefined) return known;
    if (isId(text)) return text;
    const inEvent = this.eventTexts.get(text);
    if (inEvent !== undefined) return inEvent;
    const cutShort = text.length > limit || text.length > this.left;
    const redacted = cutShort ? this.prefix(text, Math.min(limit, this.left)) : this.whole(text);
    if (cacheable && !cutShort) this.remember(text, redacted);
    else this.eventTexts.set(text, redacted);
    return redacted;
  }

  private whole(text: string): string {
    this.left -= text.length;
    return this.redactor.redactText(text);
  }

  /**
   * The redacted start of a string too long to redact whole, then a marker for the rest. The start is what a
   * stream redactor releases of it (up to a boundary no value crosses), so a value cut in two is never half shown.
   */
  private prefix(text: string, keep: number): string {
    this.cut = true;
    if (keep < CUT_MARGIN) return cutMarker(text.length);
    const window = text.slice(0, keep);
    this.left -= window.length;
    const stream = this.redactor.stream();
    const released = stream.push(window);
    return released + cutMarker(text.length - (window.length - stream.heldChars));
  }

  /**
   * Remembers a text redacted elsewhere (a run's streamed answer, redacted token by token), so that the same text
   * in a later event (the run's end) comes from the cache. Only what the cache would keep.
   */
  learn(text: string, redacted: string): void {
    if (text.length <= CACHED_MAX_CHARS && !this.strings.has(text)) this.remember(text, redacted);
  }

  private remember(text: string, redacted: string): void {
    while (
      this.strings.size >= CACHE_MAX_ENTRIES ||
      (this.cachedChars.total + text.length > CACHE_MAX_CHARS && this.strings.size > 0)
    ) {
      const oldest = this.strings.keys().next().value as string;
      this.cachedChars.total -= oldest.length;
      this.strings.delete(oldest);
    }
    this.strings.set(text, redacted);
    this.cachedChars.total += text.length;
  }
}
