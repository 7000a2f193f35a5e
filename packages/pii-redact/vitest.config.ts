import { chainwatchProject } from "../../vitest.shared.js";

export default chainwatchProject("pii-redact", import.meta.url);
