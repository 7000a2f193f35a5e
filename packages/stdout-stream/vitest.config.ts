import { chainwatchProject } from "../../vitest.shared.js";

export default chainwatchProject("stdout-stream", import.meta.url);
