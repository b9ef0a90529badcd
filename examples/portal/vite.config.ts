import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// The UI imports @publishgate/react and @publishgate/core/client from their sources (the
// `@publishgate/source` export condition), so the demo needs no package build first.
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['@publishgate/source', ...defaultClientConditions] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { host: '127.0.0.1', proxy: { '/api': 'http://127.0.0.1:4321' } },
});
