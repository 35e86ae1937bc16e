import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { type BenchRow, printTable, row, writeResult } from './support/report';
import { freePort } from './support/free-port';
import { type ClientsReport, nowMs } from './support/sse-clients';
import {
  cpuMsOf,
  json,
  makeOrigin,
  quantile,
  spawnServer,
  stop,
  untilJobEnds,
} from './support/bench-service';

/**
 * bench:sse — live latency: the time from a command's 202 to each of 1,000 SSE clients'
 * receipt of the job's `RepoActionRequested`, with lost and duplicated messages counted
 * over every event the clients were sent; beside it, in the same run, the same clients
 * and commands through a bare Node SSE broadcaster over the same store adapter
 * (`support/sse-reference.ts`). And the price of the fan-out on the accept path: accept
 * latency (autocannon at a fixed rate) with no SSE client connected and with 1,000.
 * The clients run in a process of their own (`support/sse-clients.ts`).
 */
const CLIENTS = Number(process.env.SSE_CLIENTS ?? 1000);
const ROUNDS = Number(process.env.SSE_ROUNDS ?? 2);
/** Commands per round. */
const COMMANDS = Number(process.env.SSE_COMMANDS ?? 100);
const RATE = Number(process.env.SSE_RATE ?? 10); // commands/s while latency is measured
const ACCEPT_SECONDS = Number(process.env.BENCH_DURATION ?? 10);
const ACCEPT_RATE = Number(process.env.SSE_ACCEPT_RATE ?? 20); // req/s over 16 connections
const ACCEPT_CONNECTIONS = 16;
/** Events the reference appends after each request, as the service's jobs write about 12. */
const FOLLOW_UPS = Number(process.env.SSE_REFERENCE_FOLLOW_UPS ?? 11);
/** A folder for the service's CPU profile (`node --cpu-prof`), when set. */
const PROFILE_DIR = process.env.SSE_CPU_PROF;
const MAIN = join(__dirname, '..', 'src', 'main.js');
const REFERENCE = join(__dirname, 'support', 'sse-reference.js');
const CLIENTS_MAIN = join(__dirname, 'support', 'sse-clients.js');
const BODY = JSON.stringify({ action: 'restack_repo' });

interface Accept {
  /** The service's CPU per accepted request, its job's events and their fan-out included. */
  cpuMs?: number;
  p50: number;
  p99: number;
  rps: number;
  errors: number;
}

async function accept(url: string): Promise<Accept> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections: ACCEPT_CONNECTIONS,
    overallRate: ACCEPT_RATE,
    duration: ACCEPT_SECONDS,
  });
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** The SSE clients' process, once every client has its stream open. */
async function openClients(
  base: string,
  repoId: string,
): Promise<ChildProcess> {
  const child = fork(CLIENTS_MAIN, [base, String(CLIENTS), repoId], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`clients exited ${code}`)));
  });
  return child;
}

async function finishClients(
  child: ChildProcess,
  head: number,
): Promise<ClientsReport> {
  const report = new Promise<ClientsReport>((resolve) =>
    child.on('message', (m: ClientsReport) => {
      if (m.type === 'report') resolve(m);
    }),
  );
  child.send({ type: 'finish', head });
  const result = await report;
  if (child.exitCode === null) await once(child, 'exit');
  return result;
}

interface Probe {
  /** When each job's 202 arrived (ms, `nowMs`). */
  accepted: Map<string, number>;
  /** Each command's own accept latency (ms). */
  acceptMs: number[];
}

/** Sends `COMMANDS` actions at `RATE` per second, one at a time on a timer. */
async function probe(url: string): Promise<Probe> {
  const accepted = new Map<string, number>();
  const acceptMs: number[] = [];
  const sends: Array<Promise<void>> = [];
  const start = nowMs();
  for (let i = 0; i < COMMANDS; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - nowMs();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = nowMs();
    sends.push(
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      }).then(async (res) => {
        const at = nowMs();
        if (res.status !== 202) throw new Error(`answered ${res.status}`);
        const { jobId } = (await res.json()) as { jobId: string };
        accepted.set(jobId, at);
        acceptMs.push(at - sent);
      }),
    );
  }
  await Promise.all(sends);
  return { accepted, acceptMs };
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
  /** (job, client) pairs where the client never received the job's request. */
  missing: number;
  report: ClientsReport;
  acceptP50: number;
  acceptP99: number;
}

function latencyOf(p: Probe, report: ClientsReport): Latency {
  const all: number[] = [];
  let missing = 0;
  for (const [jobId, at] of p.accepted) {
    const times = report.received[jobId] ?? [];
    missing += report.clients - times.length;
    for (const t of times) all.push(t - at);
  }
  return {
    p50: quantile(all, 0.5),
    p99: quantile(all, 0.99),
    max: quantile(all, 1),
    missing,
    report,
    acceptP50: quantile(p.acceptMs, 0.5),
    acceptP99: quantile(p.acceptMs, 0.99),
  };
}

async function headOf(base: string): Promise<number> {
  const health = await json(`${base}/health`);
  return Number((health.projections as { head: number }).head);
}

/** Every job queued so far has ended: a new one ends (its repo's lane is FIFO). */
async function drain(base: string, repoId: string): Promise<void> {
  const job = await json(`${base}/repos/${repoId}/actions`, {
    method: 'POST',
    body: BODY,
  });
  await untilJobEnds(base, String(job.jobId));
}

/** The service with a registered repo, ready for the rounds. */
async function startService(dir: string) {
  const origin = makeOrigin(dir);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const process_ = await spawnServer(
    [
      ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
      MAIN,
    ],
    {
      PORT: String(port),
      STACKYARD_DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'log', // 'listening on' is logged at this level
    },
    'listening on',
  );
  const repo = await json(`${base}/repos`, {
    method: 'POST',
    body: JSON.stringify({ name: 'bench', remoteUrl: origin }),
  });
  const repoId = String(repo.repoId);
  await untilJobEnds(base, String(repo.initialJobId));
  const actions = `${base}/repos/${repoId}/actions`;
  await accept(actions); // warm-up
  await drain(base, repoId);
  return { process: process_, base, repoId, actions };
}

type Service = Awaited<ReturnType<typeof startService>>;

/**
 * One round on the service: accepts with no SSE client, then 1,000 clients connect, the
 * probe's commands go out, accepts again with the clients connected; the clients check
 * that they have every event up to the head, and go.
 */
async function serviceRound(s: Service) {
  const pid = s.process.pid!;
  // The service's CPU from the start of the accepts until every job they queued has
  // ended, per accepted request (git runs in child processes and is not counted).
  let cpu = cpuMsOf(pid);
  const accept0 = await accept(s.actions);
  await drain(s.base, s.repoId);
  const cpu0 = (cpuMsOf(pid) - cpu) / (accept0.rps * ACCEPT_SECONDS);
  const clients = await openClients(s.base, s.repoId);
  const probed = await probe(s.actions);
  await drain(s.base, s.repoId);
  cpu = cpuMsOf(pid);
  const accept1000 = await accept(s.actions);
  await drain(s.base, s.repoId);
  const cpu1000 = (cpuMsOf(pid) - cpu) / (accept1000.rps * ACCEPT_SECONDS);
  accept0.cpuMs = cpu0;
  accept1000.cpuMs = cpu1000;
  const report = await finishClients(clients, await headOf(s.base));
  return { accept0, accept1000, probed, report };
}

/** One round on the reference: the same clients and probe. */
async function referenceRound(base: string) {
  const clients = await openClients(base, 'bench');
  const probed = await probe(`${base}/repos/bench/actions`);
  const head = Number(await (await fetch(`${base}/head`)).text());
  return { probed, report: await finishClients(clients, head) };
}

/** The probes and client reports of several rounds as one. */
function pooled(
  rounds: Array<{ probed: Probe; report: ClientsReport }>,
): Latency {
  const probed: Probe = { accepted: new Map(), acceptMs: [] };
  const report: ClientsReport = {
    type: 'report',
    clients: CLIENTS,
    messages: 0,
    duplicated: 0,
    lost: 0,
    reconnects: 0,
    received: {},
  };
  for (const r of rounds) {
    for (const [jobId, at] of r.probed.accepted) probed.accepted.set(jobId, at);
    probed.acceptMs.push(...r.probed.acceptMs);
    report.messages += r.report.messages;
    report.duplicated += r.report.duplicated;
    report.lost += r.report.lost;
    report.reconnects += r.report.reconnects;
    Object.assign(report.received, r.report.received);
  }
  return latencyOf(probed, report);
}

const mean = (values: number[]) =>
  values.reduce((a, b) => a + b, 0) / values.length;

function meanAccept(runs: Accept[]): Accept {
  return {
    p50: mean(runs.map((r) => r.p50)),
    p99: mean(runs.map((r) => r.p99)),
    rps: mean(runs.map((r) => r.rps)),
    cpuMs: mean(runs.map((r) => r.cpuMs ?? 0)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stackyard-bench-sse-'));
  const loadBefore = loadavg()[0]!;
  const serviceRounds: Array<Awaited<ReturnType<typeof serviceRound>>> = [];
  const referenceRounds: Array<Awaited<ReturnType<typeof referenceRound>>> = [];
  const service = await startService(dir);
  const refPort = await freePort();
  const refBase = `http://127.0.0.1:${refPort}`;
  const reference = await spawnServer(
    [REFERENCE, String(refPort), join(dir, 'reference'), String(FOLLOW_UPS)],
    {},
    'listening',
  );
  try {
    // Rounds interleaved, so that a change in the machine's load falls on both.
    for (let round = 0; round < ROUNDS; round++) {
      serviceRounds.push(await serviceRound(service));
      referenceRounds.push(await referenceRound(refBase));
    }
  } finally {
    await stop(service.process);
    await stop(reference);
    rmSync(dir, { recursive: true, force: true });
  }
  const latency = pooled(serviceRounds);
  const ref = pooled(referenceRounds);
  const ours = {
    accept0: meanAccept(serviceRounds.map((r) => r.accept0)),
    accept1000: meanAccept(serviceRounds.map((r) => r.accept1000)),
  };
  const loadAfter = loadavg()[0]!;
  const refName = 'bare Node SSE broadcaster, same store';
  const clients = `${CLIENTS.toLocaleString('en-US')} clients`;
  const acceptAt = `${ACCEPT_CONNECTIONS} connections at ${ACCEPT_RATE}/s`;
  const rows: BenchRow[] = [
    row(
      `202 → event p50, ${clients}`,
      'ms',
      latency.p50,
      ref.p50,
      refName,
      false,
    ),
    row(
      `202 → event p99, ${clients}`,
      'ms',
      latency.p99,
      ref.p99,
      refName,
      false,
    ),
    row(`202 → event p99, ${clients}`, 'ms', latency.p99, 50, 'target', false),
    row(
      `202 → event max, ${clients}`,
      'ms',
      latency.max,
      ref.max,
      refName,
      false,
    ),
    row(
      'events lost (target 0)',
      'events',
      latency.report.lost + latency.missing,
      ref.report.lost + ref.missing,
      refName,
      false,
    ),
    row(
      'events duplicated (target 0)',
      'events',
      latency.report.duplicated,
      ref.report.duplicated,
      refName,
      false,
    ),
    row(
      'messages delivered (ours: the accept runs too)',
      'messages',
      latency.report.messages,
      ref.report.messages,
      refName,
    ),
    row(
      'streams the service closed (clients resumed)',
      'streams',
      latency.report.reconnects,
      ref.report.reconnects,
      refName,
      false,
    ),
    row(
      `202 latency p50 while measuring, ${clients}`,
      'ms',
      latency.acceptP50,
      ref.acceptP50,
      refName,
      false,
    ),
    row(
      `202 latency p99 while measuring, ${clients}`,
      'ms',
      latency.acceptP99,
      ref.acceptP99,
      refName,
      false,
    ),
    row(
      `accept p50, ${acceptAt}, ${clients} connected`,
      'ms',
      ours.accept1000.p50,
      ours.accept0.p50,
      'same, no SSE client',
      false,
    ),
    row(
      `accept p99, ${acceptAt}, ${clients} connected`,
      'ms',
      ours.accept1000.p99,
      ours.accept0.p99,
      'same, no SSE client (target ≥ 0.5x)',
      false,
    ),
    row(
      `service CPU per accepted request and its job, ${clients} connected`,
      'ms',
      ours.accept1000.cpuMs!,
      ours.accept0.cpuMs!,
      'same, no SSE client',
      false,
    ),
    row(
      `accept errors, ${clients} connected`,
      'requests',
      ours.accept1000.errors,
      ours.accept0.errors,
      'same, no SSE client',
      false,
    ),
  ];
  printTable(
    `bench:sse — ${CLIENTS} SSE clients, ${ROUNDS} rounds of ${COMMANDS} commands at ${RATE}/s; load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}`,
    rows,
  );
  const file = writeResult('sse', rows, {
    settings: {
      CLIENTS,
      COMMANDS,
      RATE,
      ACCEPT_SECONDS,
      ACCEPT_RATE,
      ACCEPT_CONNECTIONS,
    },
    loadAverage: { before: loadBefore, after: loadAfter },
    accept: {
      none: serviceRounds.map((r) => r.accept0),
      connected: serviceRounds.map((r) => r.accept1000),
    },
  });
  process.stdout.write(`\nwrote ${file}\n`);
  const failed =
    latency.report.lost + latency.missing + latency.report.duplicated > 0 ||
    ours.accept0.errors + ours.accept1000.errors > 0;
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
