import type { CallbackMethod } from "@chainwatch/core";
import type { Registry } from "prom-client";

interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * Every sample of `family` (a metric name as registered) whose series name is `series` (e.g. `..._count`, or
 * the family name for counters and gauges) and whose labels include `labels`.
 */
export async function samples(
  registry: Registry,
  family: string,
  series: string = family,
  labels: Record<string, string> = {},
): Promise<Sample[]> {
  const metric = registry.getSingleMetric(family);
  if (!metric) return [];
  const { values } = (await metric.get()) as { values: Sample[] };
  return values.filter(
    (sample) =>
      (sample.metricName ?? family) === series &&
      Object.entries(labels).every(([key, value]) => String(sample.labels[key] ?? "") === value),
  );
}

/** The sum of the matching samples' values (0 when none match). */
export async function value(
  registry: Registry,
  family: string,
  series: string = family,
  labels: Record<string, string> = {},
): Promise<number> {
  return (await samples(registry, family, series, labels)).reduce((sum, sample) => sum + sample.value, 0);
}

/** Drains a `.stream()` call. */
export async function drain(stream: Promise<AsyncIterable<unknown>>): Promise<void> {
  for await (const _ of await stream);
}

/** LangChain's callback methods as the tests call them directly (the base class installs them per instance). */
export type DirectCallbacks = Record<CallbackMethod, (...args: unknown[]) => unknown>;

/** The handler's callback methods, called directly as LangChain would. */
export function callbacks(handler: object): DirectCallbacks {
  return handler as DirectCallbacks;
}
