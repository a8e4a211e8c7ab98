import { resolve } from "node:path";
import { defineConfig } from "vite";

// The app embeds ui/dist at compile time; WebKitGTK 2.40+ runs ES2021 natively.
// Two pages: the main window and the small idle prompt.
export default defineConfig({
  build: {
    outDir: "dist",
    target: "es2021",
    emptyOutDir: true,
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, "index.html"),
        idle: resolve(import.meta.dirname, "idle.html"),
      },
    },
  },
  clearScreen: false,
});
