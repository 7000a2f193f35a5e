import { chainwatchProject } from "../vitest.shared.js";

export default chainwatchProject("examples", import.meta.url);
