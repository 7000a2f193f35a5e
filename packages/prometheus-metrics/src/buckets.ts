import type { PrometheusBuckets } from "./types.js";

/** The GenAI conventions' duration buckets, in seconds (operation duration, time to first chunk, tools). */
export const GEN_AI_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
]);

/** The GenAI conventions' token-usage buckets (powers of 4). */
export const GEN_AI_TOKEN_BUCKETS: readonly number[] = Object.freeze([
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
]);

/** Chains (agents, graphs) run longer than one model call: the duration buckets, extended to ~5 minutes. */
export const CHAIN_DURATION_BUCKETS: readonly number[] = Object.freeze([
  ...GEN_AI_DURATION_BUCKETS,
  163.84,
  327.68,
]);

/** A bucket list from the options, validated, or the default. */
export function validBuckets(
  name: string,
  buckets: readonly number[] | undefined,
  fallback: readonly number[],
): number[] {
  if (buckets === undefined) return [...fallback];
  const ok =
    Array.isArray(buckets) &&
    buckets.length > 0 &&
    buckets.every(
      (b, i) => typeof b === "number" && Number.isFinite(b) && (i === 0 || b > (buckets[i - 1] ?? b)),
    );
  if (!ok) {
    throw new TypeError(
      `PrometheusCallbackHandler: buckets.${name} must be a non-empty, strictly increasing list of finite numbers, got ${JSON.stringify(buckets)}`,
    );
  }
  return [...buckets];
}

/** Every histogram's buckets, validated (throws with the bad list before any metric is created). */
export function resolveBuckets(buckets: PrometheusBuckets = {}) {
  return {
    operationDuration: validBuckets("operationDuration", buckets.operationDuration, GEN_AI_DURATION_BUCKETS),
    timeToFirstChunk: validBuckets("timeToFirstChunk", buckets.timeToFirstChunk, GEN_AI_DURATION_BUCKETS),
    tokenUsage: validBuckets("tokenUsage", buckets.tokenUsage, GEN_AI_TOKEN_BUCKETS),
    toolDuration: validBuckets("toolDuration", buckets.toolDuration, GEN_AI_DURATION_BUCKETS),
    chainDuration: validBuckets("chainDuration", buckets.chainDuration, CHAIN_DURATION_BUCKETS),
    retrieverDuration: validBuckets("retrieverDuration", buckets.retrieverDuration, GEN_AI_DURATION_BUCKETS),
  };
}
