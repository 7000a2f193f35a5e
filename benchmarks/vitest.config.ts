import { chainwatchProject } from "../vitest.shared.js";

export default chainwatchProject("benchmarks", import.meta.url, { testTimeout: 600_000 });
