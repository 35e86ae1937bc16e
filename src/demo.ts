import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from './app.factory';
import { loadConfig } from './infrastructure/config/app-config';
import { openStorage } from './infrastructure/storage/storage';
import { READ_MODEL_SCHEMA } from './read-models/read-model.schema';

/**
 * `npm run demo`: a throw-away origin with a small stack, registered with a running service
 * (STACKYARD_URL, with STACKYARD_TOKEN when auth is on) or with an embedded one, then a
 * restack whose live progress is printed from the SSE stream until the job ends.
 */
const say = (text: string) => process.stdout.write(`${text}\n`);

function makeOrigin(dir: string): { origin: string; advanceTrunk: () => void } {
  const work = join(dir, 'work');
  const origin = join(dir, 'origin.git');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: work,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Demo',
        GIT_AUTHOR_EMAIL: 'demo@example.com',
        GIT_COMMITTER_NAME: 'Demo',
        GIT_COMMITTER_EMAIL: 'demo@example.com',
      },
    });
  execFileSync('git', [
    'init',
    '--quiet',
    '--bare',
    '--initial-branch=main',
    origin,
  ]);
  execFileSync('git', ['init', '--quiet', '--initial-branch=main', work]);
  const commit = (file: string, text: string) => {
    writeFileSync(join(work, file), text);
    git('add', file);
    git('commit', '--quiet', '-m', `${file}: ${text.trim()}`);
  };
  commit('README.md', 'demo\n');
  for (const branch of ['feature-api', 'feature-ui', 'feature-docs']) {
    git('checkout', '--quiet', '-b', branch);
    commit(`${branch}.txt`, `${branch}\n`);
  }
  git(
    'push',
    '--quiet',
    origin,
    'main',
    'feature-api',
    'feature-ui',
    'feature-docs',
  );
  return {
    origin,
    advanceTrunk: () => {
      git('checkout', '--quiet', 'main');
      commit('CHANGELOG.md', 'trunk moved on\n');
      git('push', '--quiet', origin, 'main');
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stackyard-demo-'));
  let close: () => Promise<unknown> = () => Promise.resolve();
  let base = process.env.STACKYARD_URL;
  if (!base) {
    const config = {
      ...loadConfig({ STACKYARD_DATA_DIR: join(dir, 'data') }),
      logLevel: 'warn' as const,
    };
    const app = await createApp(
      config,
      await openStorage(config.dataDir, READ_MODEL_SCHEMA),
    );
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    close = () => app.close();
    say(`embedded service on ${base} (data in ${config.dataDir})`);
  }
  const headers: Record<string, string> = {
    'content-type': 'application/json',
  };
  if (process.env.STACKYARD_TOKEN)
    headers.authorization = `Bearer ${process.env.STACKYARD_TOKEN}`;
  const post = async (path: string, body: object) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok)
      throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  // One SSE stream for the whole demo, from before the first request.
  const abort = new AbortController();
  const stream = await fetch(`${base}/events`, {
    headers: { ...headers, 'last-event-id': '0' },
    signal: abort.signal,
  });
  const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const nextEvent = async (): Promise<{
    type: string;
    jobId: string | null;
    data: Record<string, string | number | undefined>;
  }> => {
    for (;;) {
      const cut = buffer.indexOf('\n\n');
      if (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const line = block.split('\n').find((l) => l.startsWith('data: '));
        if (line) return JSON.parse(line.slice(6)) as never;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('event stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
  const follow = async (jobId: string, print: boolean) => {
    for (;;) {
      const e = await nextEvent();
      if (e.jobId !== jobId) continue;
      if (print) {
        const d = e.data;
        const detail =
          e.type === 'RepoActionProgressed'
            ? `${String(d.message)}${d.total ? ` (${String(d.done)}/${String(d.total)})` : ''}`
            : e.type.startsWith('RepoActionStep')
              ? String(d.step) + (d.summary ? `: ${String(d.summary)}` : '')
              : e.type === 'BranchRestacked'
                ? `${String(d.branch)} ${String(d.fromSha).slice(0, 7)} -> ${String(d.toSha).slice(0, 7)}`
                : e.type === 'RepoActionFailed'
                  ? `${String(d.code)}: ${String(d.message)}`
                  : '';
        say(`  ${e.type.padEnd(26)} ${detail}`);
      }
      if (
        [
          'RepoActionCompleted',
          'RepoActionFailed',
          'RepoActionCancelled',
        ].includes(e.type)
      )
        return e.type;
    }
  };

  try {
    const { origin, advanceTrunk } = makeOrigin(dir);
    const repo = await post('/repos', {
      name: `demo-${Date.now()}`,
      remoteUrl: origin,
    });
    say(
      `registered ${String(repo.repoId)}; cloning (job ${String(repo.initialJobId)})`,
    );
    await follow(String(repo.initialJobId), false);
    for (const branchName of ['feature-api', 'feature-ui', 'feature-docs']) {
      const job = await post(`/repos/${String(repo.repoId)}/actions`, {
        action: 'register_existing_branch',
        branchName,
      });
      await follow(String(job.jobId), false);
      say(`tracking ${branchName}`);
    }
    advanceTrunk();
    say('trunk moved on; requesting restack_repo');
    const started = Date.now();
    const job = await post(`/repos/${String(repo.repoId)}/actions`, {
      action: 'restack_repo',
    });
    say(
      `202 in ${Date.now() - started} ms: job ${String(job.jobId)} is ${String(job.status)}`,
    );
    const outcome = await follow(String(job.jobId), true);
    const overview = (await (
      await fetch(`${base}/repos/${String(repo.repoId)}`, { headers })
    ).json()) as {
      branches: Array<{
        name: string;
        parent: string;
        sha: string;
        needsRestack: boolean;
      }>;
    };
    say(`${outcome}; the stack now:`);
    for (const b of overview.branches)
      say(
        `  ${b.name.padEnd(14)} on ${b.parent.padEnd(14)} ${b.sha.slice(0, 7)}${b.needsRestack ? '  needs restack' : ''}`,
      );
  } finally {
    abort.abort();
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${String(error)}\n`);
  process.exit(1);
});
