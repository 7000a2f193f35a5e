import { MAX_CONTEXT_CHARS } from "./detectors/context.js";
import type { Finding } from "./types.js";

/** Options of a {@link StreamRedactor}. */
export interface StreamRedactorOptions {
  /**
   * Characters held back at the end of the stream until more text shows whether they start a value. Longer
   * than any value a detector needs to see whole before it is recognised (an email's local part is at most 64).
   * @default 128
   */
  holdBackChars?: number;
  /**
   * Held text past which the stream is cut even inside an unbroken run with no whitespace (a memory bound).
   * @default 16384
   */
  maxPendingChars?: number;
}

type Detect = (text: string) => Finding[];
type Apply = (text: string, findings: readonly Finding[], from: number, to: number) => string;

const CONTEXT_CHARS = 2 * MAX_CONTEXT_CHARS + 1;
/**
 * Text gathered past the hold-back before a release is tried. Each try re-detects the context, the hold-back and
 * this step (about 320 characters with the defaults) to release about this step: 64 keeps that to about five
 * characters scanned per character streamed, at the price of text arriving up to 64 characters later.
 */
const RELEASE_STEP = 64;

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

/** Whether `text` has whitespace before `end` (no whitespace: no boundary to release at, skip detection). */
function hasSpaceBefore(text: string, end: number): boolean {
  for (let index = 0; index < end; index++) if (isSpace(text.charCodeAt(index))) return true;
  return false;
}

/** Moves `cut` left to the start of any (non-overlapping, sorted) finding that crosses it. */
function outsideFindings(findings: readonly Finding[], cut: number): number {
  let position = cut;
  for (let index = findings.length - 1; index >= 0; index--) {
    const finding = findings[index] as Finding;
    if (finding.start < position && finding.end > position) position = finding.start;
  }
  return position;
}

/**
 * Redacts a text that arrives in chunks (streamed tokens) exactly as if it had arrived whole. It holds back the
 * tail, re-detects on the held text plus some already-emitted context, and releases text only up to a
 * whitespace boundary that no finding crosses, so `"jo" "hn@ex" "ample.com"` comes out as `[EMAIL]`.
 * Call {@link flush} when the stream ends.
 */
export class StreamRedactor {
  private pending = "";
  private context = "";
  /** Pending length at which the next release is attempted (backs off while nothing can be released). */
  private nextAttempt = 0;
  private readonly holdBack: number;
  private readonly maxPending: number;

  constructor(
    private readonly detectFn: Detect,
    private readonly applyFn: Apply,
    options: StreamRedactorOptions = {},
  ) {
    this.holdBack = options.holdBackChars ?? 128;
    this.maxPending = options.maxPendingChars ?? 16_384;
    if (!Number.isInteger(this.holdBack) || this.holdBack < MAX_CONTEXT_CHARS) {
      throw new RangeError(`holdBackChars must be an integer ≥ ${MAX_CONTEXT_CHARS}, got ${this.holdBack}`);
    }
    if (!Number.isInteger(this.maxPending) || this.maxPending < 2 * this.holdBack) {
      throw new RangeError(`maxPendingChars must be an integer ≥ 2 × holdBackChars, got ${this.maxPending}`);
    }
  }

  /** Characters received but not yet released. */
  get heldChars(): number {
    return this.pending.length;
  }

  /** Adds a chunk; returns the redacted text that is now safe to release (often ""). */
  push(chunk: string): string {
    this.pending += chunk;
    // Re-detect only once a little text has built up past the hold-back (fewer scans per token), and back off
    // geometrically while nothing can be released (a long unbroken run, an open value), so the total detection
    // work stays linear in the stream's length.
    if (this.pending.length < Math.max(this.holdBack + RELEASE_STEP, this.nextAttempt)) return "";
    const out = this.release(false);
    this.nextAttempt = out === "" ? this.pending.length + Math.max(32, this.pending.length >> 2) : 0;
    return out;
  }

  /** Releases everything still held (redacted). Call at the end of the stream. */
  flush(): string {
    if (this.pending.length === 0) return "";
    return this.release(true);
  }

  /**
   * The last position at or before `limit` that no finding crosses and that follows whitespace (so detection
   * restarts there on a token start, as it does on the whole text). `offset` or less when there is none.
   */
  private boundaryBefore(
    window: string,
    findings: readonly Finding[],
    offset: number,
    limit: number,
  ): number {
    let cut = limit;
    for (;;) {
      cut = outsideFindings(findings, cut);
      let boundary = cut;
      while (boundary > offset && !isSpace(window.charCodeAt(boundary - 1))) boundary--;
      if (boundary === cut || boundary <= offset) return boundary;
      cut = boundary;
    }
  }

  private release(final: boolean): string {
    if (
      !final &&
      this.pending.length < this.maxPending &&
      !hasSpaceBefore(this.pending, this.pending.length - this.holdBack)
    ) {
      return "";
    }
    const window = this.context + this.pending;
    const offset = this.context.length;
    const findings = this.detectFn(window).filter((finding) => finding.end > offset);
    let cut = window.length;
    if (!final) {
      const limit = window.length - this.holdBack;
      cut = this.boundaryBefore(window, findings, offset, limit);
      if (cut <= offset) {
        if (this.pending.length < this.maxPending) return "";
        // An unbroken run past the memory bound: cut without a whitespace boundary, still outside findings.
        cut = outsideFindings(findings, limit);
        if (cut <= offset) return "";
      }
    }
    const released = findings
      .filter((finding) => finding.end <= cut)
      .map((finding) => (finding.start < offset ? { ...finding, start: offset } : finding));
    const out = this.applyFn(window, released, offset, cut);
    this.context = window.slice(Math.max(0, cut - CONTEXT_CHARS), cut);
    this.pending = window.slice(cut);
    if (final) {
      this.context = "";
      this.nextAttempt = 0;
    }
    return out;
  }
}
