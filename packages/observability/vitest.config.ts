import { chainwatchProject } from "../../vitest.shared.js";

export default chainwatchProject("observability", import.meta.url);
