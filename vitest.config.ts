import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// One config, one project per runtime: plain Node, the Workers runtime (workerd), and a real
// Chromium against the real local server, and the container image.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['shared/**/*.test.ts', 'web/src/**/*.test.ts'],
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
        test: {
          name: 'worker',
          include: ['worker/test/**/*.test.ts'],
          // One workerd for all files instead of one started per file (~2 s each): every file
          // makes its own users and spaces, so no file sees another's data.
          isolate: false,
          // The run's first request loads the Worker and hashes a first password: seconds on a
          // busy 2-core machine, past vitest's default 5 s.
          testTimeout: 15_000,
        },
      },
      {
        plugins: [svelte({ configFile: false })],
        test: {
          name: 'integration',
          environment: 'node',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/support/global-server.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/support/global-server.ts'],
          testTimeout: 90_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        // The container image built and run with Podman (docs/self-hosting.md). Its own project:
        // the first build on a fresh machine makes a Debian base and installs npm packages.
        test: {
          name: 'container',
          environment: 'node',
          include: ['tests/container/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 1_200_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
