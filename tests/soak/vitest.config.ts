import { defineConfig } from 'vitest/config';

// Soak scenarios: real people's timing, key by key, in two browsers and two tabs at once, many
// rounds each: what a single run in `npm test` rarely shows (too long for `npm test`); run with
// `sh scripts/with-node.sh node scripts/test.mjs --config tests/soak/vitest.config.ts`.
export default defineConfig({
  test: {
    include: ['tests/soak/**/*.soak.ts'],
    globalSetup: ['tests/support/global-server.ts'],
    testTimeout: 90_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
