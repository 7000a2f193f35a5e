import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts", "src/redis.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  tsconfig: "tsconfig.build.json",
});
