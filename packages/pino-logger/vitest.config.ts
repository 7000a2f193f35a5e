import { chainwatchProject } from "../../vitest.shared.js";

export default chainwatchProject("pino-logger", import.meta.url);
