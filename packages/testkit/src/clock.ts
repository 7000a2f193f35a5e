/** A clock that moves only when told to, for deterministic durations and TTL eviction. */
export interface ManualClock {
  /** Current reading in milliseconds. */
  now: () => number;
  /** Moves the clock forward. */
  advance: (ms: number) => void;
}

/** Creates a {@link ManualClock} starting at `start` ms. */
export function manualClock(start = 0): ManualClock {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      if (!(ms >= 0)) throw new RangeError(`manualClock: advance takes a non-negative number, got ${ms}`);
      time += ms;
    },
  };
}

/** Deterministic ids `<prefix>-1`, `<prefix>-2`, … */
export function sequentialIds(prefix = "id"): () => string {
  let next = 0;
  return () => `${prefix}-${++next}`;
}
