import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The built CLI, found through the package's own `bin` entry (what `npx stackyard` runs). */
export const CLI_BIN = join(
  ROOT,
  (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    }
  ).bin.stackyard!,
);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  output: () => CliResult;
  /** Resolves once the output so far satisfies `ready`, checked on every chunk. */
  until: (ready: (out: CliResult) => boolean) => Promise<void>;
  exited: Promise<CliResult>;
}

/** Starts `stackyard <args>` as a child process with only PATH and `env` set. */
export function startCli(
  args: readonly string[],
  env: Record<string, string>,
): RunningCli {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const output = () => ({ code: child.exitCode, stdout, stderr });
  const waiting = new Set<() => void>();
  const onData = () => {
    for (const check of waiting) check();
  };
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    onData();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onData();
  });
  const exited = once(child, 'close').then(([code]) => ({
    code: code as number | null,
    stdout,
    stderr,
  }));
  const until = (ready: (out: CliResult) => boolean) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!ready(output())) return;
        waiting.delete(check);
        resolve();
      };
      waiting.add(check);
      check();
      void exited.then((out) => {
        if (waiting.delete(check))
          reject(
            new Error(
              `the CLI exited before it was ready: ${JSON.stringify(out)}`,
            ),
          );
      });
    });
  return { child, output, until, exited };
}

/** Runs `stackyard <args>` to its exit. */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
): Promise<CliResult> {
  return startCli(args, env).exited;
}
