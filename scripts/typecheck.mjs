// Type checks, one runtime per tsconfig: shared (no DOM, no Workers), worker (Workers types),
// worker/test (Workers types and the test plugin's, which production code never sees),
// tests (Node + DOM for page code), selfhost (Node), and the Svelte app with svelte-check.
import { spawnSync } from 'node:child_process';

const steps = [
  // The Worker's ambient Env is generated from wrangler.toml (`npm run types`): it must match.
  [
    'wrangler',
    [
      'types',
      'worker/worker-configuration.d.ts',
      '--include-runtime=false',
      '--strict-vars=false',
      '--check',
    ],
  ],
  ['tsc', ['-p', 'shared']],
  ['tsc', ['-p', 'worker']],
  ['tsc', ['-p', 'worker/test']],
  ['tsc', ['-p', 'tests']],
  ['tsc', ['-p', 'selfhost']],
  ['svelte-check', ['--tsconfig', 'web/tsconfig.json', '--threshold', 'warning', '--fail-on-warnings']],
];
let failed = false;
for (const [command, args] of steps) {
  console.log(`\n> ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
