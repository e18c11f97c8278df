import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The console is one single-page app served by `seekdesk serve` at `/`.
export default defineConfig({
  root: "src/web",
  base: "/",
  plugins: [react()],
  build: { outDir: "../../dist/app", emptyOutDir: true, sourcemap: true },
});
