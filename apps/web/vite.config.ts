import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { bundleBudget } from "./budget.ts";

/** The first page's JavaScript may weigh this much, gzipped (issue #16). */
const FIRST_PAGE_BUDGET_KB = 200;

export default defineConfig({
  plugins: [react(), bundleBudget(FIRST_PAGE_BUDGET_KB)],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Hashed names under /assets/: the server caches them for a year; index.html is never cached.
    assetsDir: "assets",
    sourcemap: false,
    target: "es2023",
  },
});
