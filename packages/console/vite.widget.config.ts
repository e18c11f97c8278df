import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The chat widget: one self-contained script a company drops into any page with a <script> tag.
export default defineConfig({
  plugins: [react()],
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  build: {
    outDir: "dist/widget",
    emptyOutDir: true,
    lib: {
      entry: "src/web/widget/embed.tsx",
      name: "SeekdeskWidget",
      formats: ["iife"],
      fileName: () => "widget.js",
    },
  },
});
