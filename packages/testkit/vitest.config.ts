import { chainwatchProject } from "../../vitest.shared.js";

export default chainwatchProject("testkit", import.meta.url);
