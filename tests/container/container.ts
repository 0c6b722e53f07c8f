import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { podmanEnv, podmanSync } from '../../scripts/podman.mjs';

/** Podman as the project runs it; throws with podman's own words when a command fails. */
export function podman(args: string[]): string {
  const result = podmanSync(args);
  if (result.status !== 0) {
    throw new Error(`podman ${args.join(' ')} failed (exit ${result.status}): ${result.stderr.trim()}`);
  }
  return result.stdout.trim();
}

/**
 * Fails (never skips) with what to do when this machine cannot run containers: the container
 * tests are part of `npm test`, and .ci/run installs what they need.
 */
export function requirePodman(): void {
  const missing = ['/usr/bin/podman', '/usr/sbin/runc', '/usr/sbin/debootstrap'].filter(
    (p) => !existsSync(p),
  );
  if (missing.length > 0) {
    throw new Error(
      `The container tests need ${missing.join(', ')}: apt-get install -y podman runc debootstrap ` +
        '(npm test installs them itself when run as root on Debian).',
    );
  }
  const probe = podmanSync(['info', '--format', '{{.Host.OCIRuntime.Name}}']);
  if (probe.status !== 0) {
    throw new Error(`Podman cannot run here, so the image cannot be tested: ${probe.stderr.trim()}`);
  }
}

/** Builds the image with `scripts/image.mjs` (cached base and layers); the build log only on failure. */
export function buildImage(tag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/image.mjs', tag], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`The image did not build (exit ${code}):\n${log.slice(-6000)}`)),
    );
  });
}

/** One container of the image, on the host's network at `port`, with `volume` at /data. */
export class BatonContainer {
  private constructor(
    readonly name: string,
    readonly baseUrl: string,
  ) {}

  static async start(image: string, volume: string, port: number, env: Record<string, string> = {}) {
    const name = `baton-test-${port}-${Date.now().toString(36)}`;
    const envArgs = Object.entries({ PORT: String(port), BATON_HOST: '127.0.0.1', ...env }).flatMap(
      ([key, value]) => ['-e', `${key}=${value}`],
    );
    podman(['run', '--detach', '--name', name, '--network=host', '-v', `${volume}:/data`, ...envArgs, image]);
    const container = new BatonContainer(name, `http://localhost:${port}`);
    await container.waitHealthy();
    return container;
  }

  /** Waits until /api/health answers, or the container has exited (then throws with its logs). */
  async waitHealthy(): Promise<void> {
    for (;;) {
      try {
        const res = await fetch(`${this.baseUrl}/api/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (this.state() !== 'running')
        throw new Error(`The container stopped while starting:\n${this.logs().stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  state(): string {
    return podman(['inspect', '--format', '{{.State.Status}}', this.name]);
  }

  exitCode(): number {
    return Number(podman(['inspect', '--format', '{{.State.ExitCode}}', this.name]));
  }

  /** The container's stdout (request log) and stderr (events, errors), separately. */
  logs(): { stdout: string; stderr: string } {
    const result = podmanSync(['logs', this.name]);
    return { stdout: result.stdout, stderr: result.stderr };
  }

  exec(args: string[]): string {
    return podman(['exec', this.name, ...args]);
  }

  /** `podman stop`: SIGTERM, then SIGKILL after `graceSeconds`. */
  stop(graceSeconds = 30): void {
    podman(['stop', '--time', String(graceSeconds), this.name]);
  }

  /** Sends a signal and returns at once (the container may still be stopping). */
  signal(name: 'TERM' | 'KILL'): void {
    podman(['kill', '--signal', name, this.name]);
  }

  /** Waits for the container to exit. */
  wait(): void {
    podmanSync(['wait', this.name]);
  }

  kill(): void {
    podman(['kill', '--signal', 'KILL', this.name]);
    podmanSync(['wait', this.name]);
  }

  remove(): void {
    podmanSync(['rm', '--force', this.name]);
  }
}

/** Runs the image once to the end (for starts that must fail) and answers its exit and stderr. */
export function runToEnd(image: string, volume: string, env: Record<string, string>) {
  const envArgs = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  const result = podmanSync(['run', '--rm', '--network=host', '-v', `${volume}:/data`, ...envArgs, image], {
    env: podmanEnv(),
    timeout: 120_000,
  });
  return { status: result.status, stderr: result.stderr };
}
