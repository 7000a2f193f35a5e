import { chainwatchProject } from "../../vitest.shared.js";

export default chainwatchProject("core", import.meta.url);
