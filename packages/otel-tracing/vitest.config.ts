import { chainwatchProject } from "../../vitest.shared.js";

export default chainwatchProject("otel-tracing", import.meta.url);
