// `npm run check`: format, lint, types, then every test. Stops at the first failing step.
import { spawnSync } from 'node:child_process';

const steps = [
  ['prettier', ['--check', '.']],
  ['eslint', ['.']],
  ['node', ['scripts/typecheck.mjs']],
  ['node', ['scripts/test.mjs']],
];
for (const [command, args] of steps) {
  console.log(`\n> ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
