import { StreamSink } from "./sink.js";
import type { ConcurrencyMode, OutputStream } from "./types.js";

/** What the channel needs to know about a run that writes to it. */
export interface ChannelRun {
  readonly runId: string;
  /** Clock reading at the run's start. */
  readonly startTime: number;
  /** Clock reading of the run's last activity (kept current by the run tracker). */
  readonly lastSeen: number;
}

interface HeldOutput {
  run: ChannelRun;
  parts: string[];
  ended: boolean;
}

/**
 * Run ids claimed on one stream are kept at most this many: a handler that is dropped mid-run (never ended,
 * never evicted) must not grow a process-wide set on `process.stdout` for ever.
 */
const MAX_CLAIMS = 10_000;

/**
 * Everything shared by the handlers that write to one stream: which runs are already printed by someone (so two
 * handler instances on the same stream print a run once), which run owns the stream in `"exclusive"` mode, the
 * output held for the others, the line state of `"prefix"` mode, and the one sink with its backpressure queue.
 */
export class StreamChannel {
  readonly sink: StreamSink;
  private readonly claims = new Set<string>();
  private owner: ChannelRun | undefined;
  private readonly held = new Map<string, HeldOutput>();
  private heldChars = 0;
  private lineRun: string | undefined;
  private atLineStart = true;

  constructor(stream: OutputStream, maxQueuedChars: number) {
    this.sink = new StreamSink(stream, maxQueuedChars);
  }

  /** Claims a run for the caller; false when another handler on this stream already prints it. */
  claim(runId: string): boolean {
    if (this.claims.has(runId)) return false;
    this.claims.add(runId);
    if (this.claims.size > MAX_CLAIMS) {
      const oldest = this.claims.values().next();
      if (!oldest.done) this.claims.delete(oldest.value);
    }
    return true;
  }

  /** Runs claimed and not yet released (for tests and leak checks). */
  get claimedCount(): number {
    return this.claims.size;
  }

  /** Runs whose output is held while another run owns the stream. */
  get heldCount(): number {
    return this.held.size;
  }

  /** A run starts: in `"exclusive"` mode the first one takes the stream, the others wait. */
  begin(run: ChannelRun, mode: ConcurrencyMode): void {
    if (mode !== "exclusive") return;
    if (this.owner === undefined) this.owner = run;
    else if (this.owner !== run && !this.held.has(run.runId)) {
      this.held.set(run.runId, { run, parts: [], ended: false });
    }
  }

  /** Writes a run's output; `label` (prefix mode) starts each of its lines. */
  write(run: ChannelRun, text: string, mode: ConcurrencyMode, now: number, idleMs: number, label = ""): void {
    if (mode === "interleave") this.emit(text);
    else if (mode === "prefix") this.writePrefixed(run.runId, text, label);
    else if (this.owner === run) this.emit(text);
    else this.writeExclusive(run, text, now, idleMs);
  }

  /**
   * A run ends (or is given up). In `"exclusive"` mode the owner's end writes the held output of runs that ended
   * meanwhile, then hands the stream to the earliest run still going. `lineEnd` closes the run's last line.
   */
  end(run: ChannelRun, mode: ConcurrencyMode, lineEnd: string): void {
    this.claims.delete(run.runId);
    if (mode === "prefix") {
      if (this.lineRun === run.runId && !this.atLineStart) this.emit("\n");
      return;
    }
    if (mode === "interleave") {
      this.emit(lineEnd);
      return;
    }
    if (this.owner === run) {
      this.emit(lineEnd);
      this.owner = undefined;
      this.promote();
      return;
    }
    const held = this.held.get(run.runId);
    if (held) {
      this.hold(held, lineEnd);
      held.ended = true;
    } else if (lineEnd !== "") {
      this.emit(lineEnd);
    }
    // An owner that stayed silent for this run's whole life is not streaming (a consumer broke out of its
    // stream, or it has not produced a first token yet): this run's block need not wait for it.
    if (this.owner !== undefined && this.owner.lastSeen < run.startTime) this.yieldOwner();
    else if (this.owner === undefined) this.promote();
  }

  /** The owner gives the stream up; it waits like any other run if it writes again. */
  private yieldOwner(): void {
    const idle = this.owner;
    if (idle === undefined) return;
    this.owner = undefined;
    if (!this.atLineStart) this.emit("\n");
    this.held.delete(idle.runId);
    this.held.set(idle.runId, { run: idle, parts: [], ended: false });
    this.promote();
  }

  private writeExclusive(run: ChannelRun, text: string, now: number, idleMs: number): void {
    if (this.owner !== undefined && now - this.owner.lastSeen > idleMs) {
      // The owner went quiet (a consumer broke out of its stream, which never ends the run): hand over.
      this.yieldOwner();
      if (this.owner === run) {
        this.emit(text);
        return;
      }
    }
    if (this.owner === undefined) {
      this.owner = run;
      const held = this.held.get(run.runId);
      if (held) {
        this.held.delete(run.runId);
        this.release(held);
      }
      this.emit(text);
      return;
    }
    let held = this.held.get(run.runId);
    if (!held) {
      held = { run, parts: [], ended: false };
      this.held.set(run.runId, held);
    }
    this.hold(held, text);
  }

  private hold(held: HeldOutput, text: string): void {
    if (text === "") return;
    if (this.heldChars + text.length > this.sink.maxQueuedChars) {
      this.sink.droppedChars += text.length;
      return;
    }
    held.parts.push(text);
    this.heldChars += text.length;
  }

  private release(held: HeldOutput): void {
    for (const part of held.parts) {
      this.heldChars -= part.length;
      this.emit(part);
    }
  }

  /** Writes the held output of ended runs in start order, up to the first run still going, which takes over. */
  private promote(): void {
    for (const [runId, held] of this.held) {
      this.held.delete(runId);
      this.release(held);
      if (!held.ended) {
        this.owner = held.run;
        return;
      }
    }
  }

  private writePrefixed(runId: string, text: string, label: string): void {
    let out = "";
    let start = 0;
    while (start < text.length) {
      const newline = text.indexOf("\n", start);
      const end = newline === -1 ? text.length : newline;
      if (end > start) {
        if (this.lineRun !== runId && !this.atLineStart) out += "\n";
        if (this.lineRun !== runId || this.atLineStart) out += label;
        out += text.slice(start, end);
        this.lineRun = runId;
        this.atLineStart = false;
      }
      if (newline === -1) break;
      if (this.lineRun !== runId) {
        if (!this.atLineStart) out += "\n";
        out += label;
        this.lineRun = runId;
      }
      out += "\n";
      this.atLineStart = true;
      start = newline + 1;
    }
    this.sink.write(out);
  }

  private emit(text: string): void {
    if (text === "") return;
    this.atLineStart = text.charCodeAt(text.length - 1) === 10;
    this.sink.write(text);
  }
}

const channels = new WeakMap<OutputStream, StreamChannel>();

/**
 * The process-wide channel of a stream, created on first use. Keyed weakly: a response stream's channel goes
 * with the response.
 */
export function channelFor(stream: OutputStream, maxQueuedChars: number): StreamChannel {
  let channel = channels.get(stream);
  if (!channel) {
    channel = new StreamChannel(stream, maxQueuedChars);
    channels.set(stream, channel);
  }
  return channel;
}
