export { OpenTelemetryCallbackHandler } from "./handler.js";
export { TreeSpanExporter, type TreeSpanExporterOptions } from "./tree-exporter.js";
export type { OpenTelemetryCallbackHandlerOptions, SpanSelection } from "./types.js";
