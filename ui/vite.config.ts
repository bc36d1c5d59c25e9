import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The build lands in dist/app, which the Go binary embeds (ui/embed.go);
// relative paths let Docker Desktop load it from the extension's files.
export default defineConfig({
  plugins: [react()],
  base: "./",
  build: { outDir: "dist/app", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
