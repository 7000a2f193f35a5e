import { type OutputSink, StreamSink } from "./sink.js";
import { isWebSocket, type WebSocketLike, WebSocketSink } from "./socket.js";
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
  readonly sink: OutputSink;
  private readonly claims = new Set<string>();
  private owner: ChannelRun | undefined;
  private readonly held = new Map<string, HeldOutput>();
  private heldChars = 0;
  private lineRun: string | undefined;
  private atLineStart = true;
  private now: () => number = () => performance.now();
  private idleMs = 5_000;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(sink: OutputSink) {
    this.sink = sink;
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

  /** Releases a claim without writing anything (a run printed under its trace's block). */
  unclaim(runId: string): void {
    this.claims.delete(runId);
  }

  /** Runs claimed and not yet released (for tests and leak checks). */
  get claimedCount(): number {
    return this.claims.size;
  }

  /** Runs whose output is held while another run owns the stream. */
  get heldCount(): number {
    return this.held.size;
  }

  /** The clock and idle bound of exclusive mode (the last handler to open the channel sets them). */
  configureExclusive(now: () => number, idleMs: number): void {
    this.now = now;
    this.idleMs = idleMs;
  }

  /** A run starts: in `"exclusive"` mode the first one takes the stream, the others wait. */
  begin(run: ChannelRun, mode: ConcurrencyMode): void {
    if (mode !== "exclusive") return;
    if (this.owner !== undefined && this.isIdle(this.owner, this.now())) this.yieldOwner(this.now());
    if (this.owner === undefined) this.owner = run;
    else if (this.owner !== run && !this.held.has(run.runId)) {
      this.held.set(run.runId, { run, parts: [], ended: false });
      this.watchOwner();
    }
  }

  /** Writes a run's output; `label` (prefix mode) starts each of its lines. */
  write(run: ChannelRun, text: string, mode: ConcurrencyMode, now: number, label = ""): void {
    if (mode === "interleave") this.emit(text);
    else if (mode === "prefix") this.writePrefixed(run.runId, text, label);
    else if (this.owner === run) this.emit(text);
    else this.writeExclusive(run, text, now);
  }

  /**
   * A run ends (or is given up). In `"exclusive"` mode the owner's end writes the held output of runs that ended
   * meanwhile, then hands the stream to the earliest run still active. `lineEnd` closes the run's last line.
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
    const now = this.now();
    if (this.owner === run) {
      this.emit(lineEnd);
      this.owner = undefined;
      this.promote(now, run.startTime);
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
    if (this.owner !== undefined && (this.owner.lastSeen < run.startTime || this.isIdle(this.owner, now))) {
      this.yieldOwner(now, run.startTime);
    } else if (this.owner === undefined) {
      this.promote(now, run.startTime);
    }
  }

  /**
   * Writes everything held, in start order (`flush()` and `close()`). Runs still going keep writing: the first
   * to write next takes the stream.
   */
  releaseAll(): void {
    this.stopWatching();
    for (const held of this.held.values()) {
      this.breakLine();
      this.release(held);
    }
    this.held.clear();
  }

  /** The owner gives the stream up; if it ever writes again, it waits like any other run. */
  private yieldOwner(now: number, activeSince = Number.NEGATIVE_INFINITY): void {
    if (this.owner === undefined) return;
    this.owner = undefined;
    this.breakLine();
    this.promote(now, activeSince);
  }

  private isIdle(run: ChannelRun, now: number): boolean {
    return now - run.lastSeen > this.idleMs;
  }

  private writeExclusive(run: ChannelRun, text: string, now: number): void {
    // The owner went quiet (a consumer broke out of its stream, which never ends the run): hand over.
    if (this.owner !== undefined && this.isIdle(this.owner, now)) this.yieldOwner(now);
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
      this.watchOwner();
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
    held.parts.length = 0;
  }

  /**
   * Writes the held output of runs in start order. Ended runs are written whole; the first run still active
   * (it wrote since `activeSince` and within the idle bound) takes the stream. A run that is silent is written as
   * far as it got and leaves the queue: a consumer that broke out of its stream never ends its run, so waiting for
   * it would hold everyone behind it for ever.
   */
  private promote(now: number, activeSince = Number.NEGATIVE_INFINITY): void {
    for (const [runId, held] of this.held) {
      this.held.delete(runId);
      this.release(held);
      if (held.ended) continue;
      if (held.run.lastSeen >= activeSince && !this.isIdle(held.run, now)) {
        this.owner = held.run;
        this.watchOwner();
        return;
      }
      this.breakLine();
    }
    this.stopWatching();
  }

  /** While runs wait, checks the owner once it could have gone idle, so they never wait on silence for ever. */
  private watchOwner(): void {
    if (this.owner === undefined || this.held.size === 0 || this.timer !== undefined) return;
    const wait = Math.max(1, Math.ceil(this.owner.lastSeen + this.idleMs - this.now()) + 1);
    this.timer = setTimeout(this.checkOwner, wait);
    // Never keeps the process alive; close() and flush() write what is held anyway.
    this.timer.unref?.();
  }

  private readonly checkOwner = (): void => {
    this.timer = undefined;
    try {
      const now = this.now();
      if (this.owner !== undefined && this.isIdle(this.owner, now)) this.yieldOwner(now);
      this.watchOwner();
    } catch (error) {
      this.sink.reporter?.("exclusive", error);
    }
  };

  private stopWatching(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Ends an open text line before another run's output (message sinks have no lines). */
  private breakLine(): void {
    if (!this.atLineStart && this.sink.lineOriented) this.emit("\n");
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

const channels = new WeakMap<OutputStream | WebSocketLike, StreamChannel>();

/**
 * The process-wide channel of a stream or WebSocket, created on first use. Keyed weakly: a response stream's channel goes
 * with the response.
 */
export function channelFor(stream: OutputStream | WebSocketLike, maxQueuedChars: number): StreamChannel {
  let channel = channels.get(stream);
  if (!channel) {
    const sink = isWebSocket(stream)
      ? new WebSocketSink(stream, maxQueuedChars)
      : new StreamSink(stream, maxQueuedChars);
    channel = new StreamChannel(sink);
    channels.set(stream, channel);
  }
  return channel;
}
