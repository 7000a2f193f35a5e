export { createObservability } from "./create.js";
export type { Observability, ObservabilityHandlers, ObservabilityOptions } from "./types.js";
