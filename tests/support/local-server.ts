import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeUndeclared, serverErrorsIn, undeclared, type ServerError } from './server-errors';

/** A real `wrangler dev` (workerd, Durable Objects and R2 on disk) on a free port with throwaway state. */
export interface LocalServer {
  /** `http://localhost:<port>`: WebAuthn needs the host `localhost`, not an IP. */
  baseUrl: string;
  port: number;
  /**
   * Stops the server, then throws if it answered a 5xx that was not declared (the options'
   * `declaredServerErrors`): no test run passes over a server error it did not expect.
   */
  stop(): Promise<void>;
  /** Every 5xx the server answered so far (logged by the Worker). */
  serverErrors(): ServerError[];
  /** Kills wrangler and its workerd processes at once (SIGKILL: a crash, nothing is shut down cleanly). */
  kill(): Promise<void>;
}

/** Asks the OS for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

const ROOT = new URL('../../', import.meta.url).pathname;

/** What to run; by default the project's Worker from wrangler.toml, with the built app. */
export interface LocalServerOptions {
  vars?: Record<string, string>;
  /** Serve these app files instead of web/dist. */
  assetsDir?: string;
  /** Another wrangler config (benchmarks run pre-built bundles or bare floor Workers). */
  configPath?: string;
  /** Path that answers below 500 once the Worker is up; `/api/health` by default. */
  readyPath?: string;
  /** Keep state here (and leave it on stop) instead of a throwaway folder: a restart resumes it. */
  stateDir?: string;
  /** Listen on this port (a restarted server keeps its clients' URLs). */
  port?: number;
  /** The 5xx answers tests provoke on purpose; read when the server stops. None by default. */
  declaredServerErrors?: () => ServerError[];
}

/** Starts a Worker with wrangler dev and waits until it answers. */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  const ownState = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'baton-state-'));
  const removeState = () => {
    if (ownState) rmSync(stateDir, { recursive: true, force: true });
  };
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--persist-to',
    stateDir,
    '--show-interactive-dev-session=false',
    '--log-level',
    'warn',
  ];
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push('--var', `${name}:${value}`);
  if (options.assetsDir) args.push('--assets', options.assetsDir);
  if (options.configPath) args.push('--config', options.configPath);
  const child = spawn(join(ROOT, 'node_modules/.bin/wrangler'), args, {
    cwd: ROOT,
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      X_LOCAL_OBSERVABILITY: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      CI: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const baseUrl = `http://localhost:${port}`;
  try {
    await waitUntilReady(
      `http://127.0.0.1:${port}${options.readyPath ?? '/api/health'}`,
      child,
      () => output,
    );
  } catch (error) {
    await stopProcess(child);
    removeState();
    throw error;
  }
  return {
    baseUrl,
    port,
    async stop() {
      await stopProcess(child);
      removeState();
      const left = undeclared(serverErrorsIn(output), options.declaredServerErrors?.() ?? []);
      if (left.length > 0) throw new Error(describeUndeclared(left));
    },
    serverErrors: () => serverErrorsIn(output),
    async kill() {
      await stopProcess(child, 'SIGKILL');
    },
  };
}

async function waitUntilReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not answer ${url} within 90 s:\n${log()}`);
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, signal); // the whole group: wrangler and its workerd processes
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}
