export { OpenTelemetryCallbackHandler } from "./handler.js";
export {
  type TreeExportResult,
  type TreeSpan,
  TreeSpanExporter,
  type TreeSpanExporterOptions,
} from "./tree-exporter.js";
export type { OpenTelemetryCallbackHandlerOptions, SpanSelection } from "./types.js";
