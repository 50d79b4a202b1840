import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Finds, or on a fresh machine installs, the Chromium the browser tests drive.
    globalSetup: ['test/global-setup.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real SQLite files, sockets and Chromium: keep parallelism modest on 2 cores.
    maxWorkers: 2,
    env: { TZ: 'UTC' },
  },
})
