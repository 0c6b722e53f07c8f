// `npm run deploy:gradual -- [--steps 10,50,100] [--wait-minutes N] [--message TEXT] [--dry-run]`
// Blue-green on Cloudflare's network: uploads a new version of the Worker without sending it
// traffic (`wrangler versions upload`), then moves traffic to it in steps
// (`wrangler versions deploy <new>@P% <old>@(100-P)%`), asking before each step (or waiting
// --wait-minutes) so that errors can be watched in between. Durable Objects keep one version per
// object; with percentages that only grow, an object moved to the new version never moves back
// (docs/self-hosting.md#gradual-deployments-on-cloudflare). Needs `wrangler login`.
// --dry-run prints the commands instead of running them.
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '10,50,100' },
    'wait-minutes': { type: 'string' },
    message: { type: 'string', default: 'gradual deployment' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const steps = values.steps.split(',').map(Number);
if (
  steps.some((p, i) => !Number.isInteger(p) || p < 1 || p > 100 || (i > 0 && p <= steps[i - 1])) ||
  steps.at(-1) !== 100
) {
  console.error('deploy:gradual: --steps must be growing whole percentages ending at 100, e.g. 10,50,100.');
  process.exit(2);
}
const dryRun = values['dry-run'];

function run(command, args, { capture = false } = {}) {
  console.log(`$ ${command} ${args.join(' ')}`);
  if (dryRun) return '';
  const result = spawnSync(command, args, {
    stdio: capture ? ['inherit', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
  });
  if (capture) process.stdout.write(result.stdout ?? '');
  if (result.status !== 0) {
    console.error(`deploy:gradual: ${command} ${args[0]} failed; traffic stays where it was.`);
    process.exit(result.status ?? 1);
  }
  return result.stdout ?? '';
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

run('vite', ['build', '--config', 'web/vite.config.ts']);
const status = run('wrangler', ['deployments', 'status', '--json'], { capture: true });
const current = dryRun ? '<current-version>' : (JSON.parse(status).versions?.[0]?.version_id ?? '');
const uploaded = run('wrangler', ['versions', 'upload', '--message', values.message], { capture: true });
const next = dryRun
  ? '<new-version>'
  : (/Worker Version ID:\s*(\S+)/.exec(uploaded)?.[1] ?? UUID.exec(uploaded)?.[0]);
if (!current || !next) {
  console.error(
    'deploy:gradual: could not read the version ids from wrangler; deploy by hand with `wrangler versions deploy`.',
  );
  process.exit(1);
}

const prompt = createInterface({ input: process.stdin, output: process.stdout });
for (const [i, percent] of steps.entries()) {
  const split = percent === 100 ? [`${next}@100%`] : [`${next}@${percent}%`, `${current}@${100 - percent}%`];
  run('wrangler', ['versions', 'deploy', ...split, '--message', `${values.message} (${percent}%)`, '--yes']);
  if (i === steps.length - 1 || dryRun) continue;
  if (values['wait-minutes']) {
    console.log(
      `deploy:gradual: ${percent}% on the new version; next step in ${values['wait-minutes']} min (Ctrl-C stops here).`,
    );
    await new Promise((resolve) => setTimeout(resolve, Number(values['wait-minutes']) * 60_000));
  } else {
    const answer = await prompt.question(
      `${percent}% of traffic is on the new version. Go to ${steps[i + 1]}%? [y/N] `,
    );
    if (answer.trim().toLowerCase() !== 'y') {
      console.log(
        `deploy:gradual: stopped at ${percent}%. Roll back with: wrangler versions deploy ${current}@100% --yes`,
      );
      break;
    }
  }
}
prompt.close();
