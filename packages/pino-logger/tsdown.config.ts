import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  tsconfig: "tsconfig.build.json",
  // Quiet when it works: the CJS build is deliberate (require users), and plugin timings are not actionable here.
  checks: { legacyCjs: false, pluginTimings: false },
  logLevel: "warn",
});
