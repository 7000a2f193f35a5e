export { SSE_HEADERS } from "./format.js";
export { StdoutStreamCallbackHandler } from "./handler.js";
export type {
  ConcurrencyMode,
  OutputStream,
  RunSummaryRecord,
  ShowMode,
  StdoutStreamOptions,
  StreamCloseResult,
  StreamFormat,
} from "./types.js";
