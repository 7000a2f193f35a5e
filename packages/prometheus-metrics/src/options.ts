import { assertLabelName, labelNameFor } from "./labels.js";
import { MODEL_LABELS } from "./metrics.js";
import type { PrometheusCallbackHandlerOptions } from "./types.js";

/** Label names the handler sets itself; static and metadata labels may not reuse them. */
const BUILT_IN_LABELS = new Set<string>([
  ...MODEL_LABELS,
  "error_type",
  "gen_ai_token_type",
  "gen_ai_tool_name",
  "run_type",
  "status",
  "chain_name",
  "retriever_name",
  "method",
]);

/** The extra labels of a handler, validated. */
export interface ExtraLabels {
  staticNames: string[];
  staticValues: string[];
  /** Metadata keys as given (to read run metadata). */
  metadataKeys: string[];
  /** The same keys as label names. */
  metadataNames: string[];
}

/** Validates `labels` and `metadataLabels`, throwing with the offending name or value. */
export function extraLabels(options: PrometheusCallbackHandlerOptions): ExtraLabels {
  const staticLabels = options.labels ?? {};
  const staticNames = Object.keys(staticLabels);
  const metadataKeys = [...(options.metadataLabels ?? [])];
  const metadataNames = metadataKeys.map(labelNameFor);
  const seen = new Set<string>();
  for (const [where, names] of [
    ["labels key", staticNames],
    ["metadataLabels entry", metadataNames],
  ] as const) {
    for (const name of names) {
      assertLabelName(name, where);
      if (BUILT_IN_LABELS.has(name) || seen.has(name)) {
        throw new TypeError(
          `PrometheusCallbackHandler: label ${JSON.stringify(name)} (${where}) clashes with a built-in or another extra label`,
        );
      }
      seen.add(name);
    }
  }
  const staticValues = staticNames.map((name) => {
    const value: unknown = staticLabels[name];
    if (typeof value !== "string") {
      throw new TypeError(`PrometheusCallbackHandler: labels.${name} must be a string, got ${typeof value}`);
    }
    return value;
  });
  return { staticNames, staticValues, metadataKeys, metadataNames };
}
