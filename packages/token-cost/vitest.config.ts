import { chainwatchProject } from "../../vitest.shared.js";

export default chainwatchProject("token-cost", import.meta.url);
