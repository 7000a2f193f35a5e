export { ERROR_TYPES, type ErrorType, errorType } from "./error-type.js";
export { PrometheusCallbackHandler } from "./handler.js";
export { OTHER } from "./labels.js";
export {
  CHAIN_DURATION_BUCKETS,
  GEN_AI_DURATION_BUCKETS,
  GEN_AI_TOKEN_BUCKETS,
  type MetricSet,
} from "./metrics.js";
export { metricsRequestHandler, startMetricsServer } from "./server.js";
export type {
  LabelValueLimits,
  MetricsServer,
  MetricsServerOptions,
  PrometheusBuckets,
  PrometheusCallbackHandlerOptions,
} from "./types.js";
