/** Builds src/renderer into a folder the way electron-vite's renderer section does (~1 s). */
import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { build } from 'vite'

const root = resolve(__dirname, '../../src/renderer')

export async function buildRenderer(outDir: string): Promise<void> {
  // vitest sets NODE_ENV=test, which makes vite and the React plugin emit a development build
  // (StrictMode double effects, jsxDEV). Build what users get, then put the variable back.
  const saved = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({
      configFile: false,
      root,
      base: './',
      mode: 'production',
      plugins: [react()],
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, rolldownOptions: { input: { index: resolve(root, 'index.html') } } },
    })
  } finally {
    process.env.NODE_ENV = saved
  }
}
