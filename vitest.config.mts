import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real SQLite files, sockets and Chromium: keep parallelism modest on 2 cores.
    maxWorkers: 2,
    env: { TZ: 'UTC' },
  },
})
