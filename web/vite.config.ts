import { defineConfig } from 'vite';

// The dashboard is served by `ripcord serve` under /dashboard/, from flat files (one folder, no subpaths).
export default defineConfig({
  root: import.meta.dirname,
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: '',
    // Nothing inlined from or fetched at another host; a small app needs no source maps in the package.
    sourcemap: false,
    reportCompressedSize: true,
  },
});
