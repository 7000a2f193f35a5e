export { CHAIN_DURATION_BUCKETS, GEN_AI_DURATION_BUCKETS, GEN_AI_TOKEN_BUCKETS } from "./buckets.js";
export { ERROR_TYPES, type ErrorType, errorType } from "./error-type.js";
export { PrometheusCallbackHandler } from "./handler.js";
export { OTHER } from "./labels.js";
export type { PrometheusMetrics } from "./metrics.js";
export type { MetricsRequestHandler, NodeLikeResponse, ReplyLike } from "./server.js";
export { metricsRequestHandler, startMetricsServer } from "./server.js";
export type {
  LabelValueLimits,
  MetricsServer,
  MetricsServerOptions,
  PrometheusBuckets,
  PrometheusCallbackHandlerOptions,
} from "./types.js";
