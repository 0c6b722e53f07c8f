import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestUser } from './api-client';

/** What one git command did. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for messages the client may print on either. */
  output: string;
}

/**
 * One person's git: a temp HOME with their name, `credential.helper store` holding their app
 * password for the server, and git-lfs's filters installed. Nothing reads the machine's own
 * config (GIT_CONFIG_NOSYSTEM), and git never prompts (GIT_TERMINAL_PROMPT=0).
 */
export class GitUser {
  readonly home: string;

  constructor(
    readonly user: TestUser,
    password: string,
    baseUrl: string,
    root: string,
  ) {
    this.home = join(root, `home-${user.username}`);
    mkdirSync(this.home, { recursive: true });
    const url = new URL(baseUrl);
    writeFileSync(
      join(this.home, '.git-credentials'),
      `${url.protocol}//${encodeURIComponent(user.username)}:${encodeURIComponent(password)}@${url.host}\n`,
      { mode: 0o600 },
    );
    writeFileSync(
      join(this.home, '.gitconfig'),
      [
        '[user]',
        `\tname = ${user.username}`,
        `\temail = ${user.username}@example.test`,
        '[credential]',
        '\thelper = store',
        '[init]',
        '\tdefaultBranch = main',
        '[advice]',
        '\tdetachedHead = false',
        '',
      ].join('\n'),
    );
  }

  /** Runs `git args…` in `cwd` as this user. */
  git(cwd: string, ...args: string[]): Promise<GitResult> {
    return this.gitWith({}, cwd, ...args);
  }

  /** {@link git} with extra environment (e.g. `GIT_TRACE=1` to see the HTTP statuses). */
  gitWith(extra: Record<string, string>, cwd: string, ...args: string[]): Promise<GitResult> {
    return run('git', args, cwd, {
      ...extra,
      HOME: this.home,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '/bin/false',
      LANG: 'C',
    });
  }

  /** Runs git and throws with its output unless it succeeded. */
  async ok(cwd: string, ...args: string[]): Promise<GitResult> {
    const result = await this.git(cwd, ...args);
    if (result.code !== 0)
      throw new Error(`git ${args.join(' ')} failed (${result.code}):\n${result.output}`);
    return result;
  }
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout, stderr, output: `${stdout}\n${stderr}` }),
    );
  });
}

/** A fresh directory for one test's repositories and homes. */
export function gitRoot(): string {
  return mkdtempSync(join(tmpdir(), 'baton-git-lfs-'));
}

/** The Git LFS URL of a space on `baseUrl` (what the app shows). */
export function lfsUrl(baseUrl: string, spaceId: string): string {
  return `${baseUrl}/lfs/${spaceId}`;
}
