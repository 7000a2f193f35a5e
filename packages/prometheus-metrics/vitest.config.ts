import { chainwatchProject } from "../../vitest.shared.js";

export default chainwatchProject("prometheus-metrics", import.meta.url);
