import type { RunType, TrackedRun } from "@chainwatch/core";
import type { PinoRunFilter } from "./types.js";

/** A 32-bit hash of a trace id, mapped to [0, 1): the same trace always gets the same number. */
export function traceFraction(traceId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < traceId.length; index++) {
    hash ^= traceId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32): FNV alone leaves the high bits weak for ids that differ only at the end.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}

/** Decides, once per run at its start, whether the run is logged: the trace's sample, then the filter. */
export class RunSelection {
  private readonly runTypes: ReadonlySet<RunType> | undefined;
  private readonly ignoreNames: readonly (string | RegExp)[];
  private readonly ignoreTags: ReadonlySet<string>;

  constructor(
    private readonly sample: number,
    filter: PinoRunFilter,
  ) {
    this.runTypes = filter.runTypes ? new Set(filter.runTypes) : undefined;
    this.ignoreNames = filter.ignoreNames ?? [];
    this.ignoreTags = new Set(filter.ignoreTags ?? []);
  }

  /**
   * Whether runs the handler never saw start (attached mid-run, or evicted) are logged: their trace is unknown,
   * so only when every trace is.
   */
  get logsUnseen(): boolean {
    return this.sample >= 1;
  }

  /** Whether this run's records are written. */
  logs(run: TrackedRun<unknown>): boolean {
    if (this.sample < 1 && (this.sample <= 0 || traceFraction(run.traceId) >= this.sample)) return false;
    if (this.runTypes && !this.runTypes.has(run.runType)) return false;
    for (const pattern of this.ignoreNames) {
      if (typeof pattern === "string") {
        if (pattern === run.name) return false;
        continue;
      }
      pattern.lastIndex = 0;
      if (pattern.test(run.name)) return false;
    }
    if (this.ignoreTags.size > 0) {
      for (const tag of run.tags) if (this.ignoreTags.has(tag)) return false;
    }
    return true;
  }
}
