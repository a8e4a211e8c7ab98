import { defineConfig } from "vite";

// The app embeds ui/dist at compile time; WebKitGTK 2.40+ runs ES2021 natively.
export default defineConfig({
  build: { outDir: "dist", target: "es2021", emptyOutDir: true },
  clearScreen: false,
});
