import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobResource } from '../../../src/read-models/job/job.resource';
import type { RegisteredRepoResource } from '../../../src/read-models/repo/repo.resource';
import type { TaskResource } from '../../../src/read-models/task/task.resource';
import { FaultGit } from './fault-git';
import { FaultService } from './fault-service';
import { FaultObjects } from './fault-objects';
import { FaultSql } from './fault-sql';
import { processesIn } from './processes';
import { type StackBranch, StackOrigin, type StackShape } from './stack-origin';
import { readEvents, type StoredEvent } from './store-files';

const STACK = ['a', 'b', 'c', 'd'];

/** What every run starts from; see `CrashLab.create`. */
interface Template {
  repoId: string;
  trunk: string;
  branches: StackBranch[];
  /** The origin's heads when a run starts: trunk has moved, no branch is on top of it. */
  heads: Record<string, string>;
  /** Where `git rebase` puts the branches from there. */
  oracle: StackShape;
  /** The task of each branch that has one. */
  tasks: Record<string, string>;
}

/**
 * The crash harness's world. `create` builds, once, a real bare origin with a stack of four
 * branches and a data dir where the service (the compiled one, as a child process) has
 * registered the repo and tracked every branch; then trunk moves on the origin, so every
 * branch needs a restack, and plain git computes the oracle. Each test gets a fresh copy of
 * that world at the same path (events and the clone name the origin by its absolute path),
 * in the system temp dir under a `stackyard-faults-` folder that `dispose` removes.
 */
export class CrashLab {
  private constructor(
    private readonly root: string,
    private readonly template: Template,
  ) {}

  static async create(): Promise<CrashLab> {
    const root = mkdtempSync(join(tmpdir(), 'stackyard-faults-'));
    try {
      const dir = join(root, 'run');
      mkdirSync(join(dir, 'tmp'), { recursive: true });
      const origin = new StackOrigin(dir, STACK);
      const service = await FaultService.start({
        cwd: dir,
        dataDir: join(dir, 'data'),
        tmpDir: join(dir, 'tmp'),
      });
      let repoId: string;
      let tasks: Record<string, string>;
      try {
        const registered = await service.post<RegisteredRepoResource>(
          '/repos',
          {
            name: 'stack',
            remoteUrl: origin.origin,
          },
        );
        repoId = registered.body.repoId;
        const jobs = [registered.body.initialJobId];
        for (const { name } of origin.branches) {
          const res = await service.post<JobResource>(
            `/repos/${repoId}/actions`,
            {
              action: 'register_existing_branch',
              branchName: name,
            },
          );
          jobs.push(res.body.jobId);
        }
        for (const jobId of jobs) {
          const end = await service.jobEnd(jobId);
          if (end.type !== 'RepoActionCompleted')
            throw new Error(
              `set-up job ${jobId} ended ${end.type}:\n${service.logs()}`,
            );
        }
        // A task on a branch, so that the tasks read model has a row to rebuild.
        const task = await service.post<TaskResource>(
          `/repos/${repoId}/tasks`,
          { title: 'Ship a', branchName: 'a' },
        );
        await service.awaitEvent(
          { repoId },
          (e) => e.type === 'TaskBranchAttached',
        );
        tasks = { a: task.body.taskId };
      } finally {
        await service.stop();
      }
      origin.advanceTrunk();
      const template: Template = {
        repoId,
        trunk: origin.trunk,
        branches: origin.branches,
        heads: origin.heads(),
        oracle: origin.restackedByGit(join(root, 'oracle')),
        tasks,
      };
      rmSync(join(root, 'oracle'), { recursive: true, force: true });
      renameSync(dir, join(root, 'template'));
      return new CrashLab(root, template);
    } catch (error) {
      rmSync(root, { recursive: true, force: true });
      throw error;
    }
  }

  /** A fresh copy of the world for one test. */
  run(): CrashRun {
    const dir = join(this.root, 'run');
    rmSync(dir, { recursive: true, force: true });
    cpSync(join(this.root, 'template'), dir, { recursive: true });
    return new CrashRun(dir, this.template);
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true, maxRetries: 5 });
  }
}

/** One test's copy of the world, and the services it started on it. */
export class CrashRun {
  readonly dataDir: string;
  readonly tmpDir: string;
  readonly origin: string;
  readonly git: FaultGit;
  /** Crash points inside the stores; armed, every start loads its hook. */
  readonly sql: FaultSql;
  /** A crash point between two objects the git engine writes; armed, every start loads its hook. */
  readonly objects: FaultObjects;
  private readonly services: FaultService[] = [];

  constructor(
    readonly dir: string,
    readonly world: Template,
  ) {
    this.dataDir = join(dir, 'data');
    this.tmpDir = join(dir, 'tmp');
    this.origin = join(dir, 'origin.git');
    this.git = new FaultGit(dir);
    this.sql = new FaultSql(dir);
    this.objects = new FaultObjects(dir);
  }

  get repoId(): string {
    return this.world.repoId;
  }

  /**
   * Starts the service on the run's data dir, with the fault wrapper or with plain git, and
   * with more of its configuration in `env`.
   */
  async start(
    git: 'fault' | 'plain',
    env: Readonly<Record<string, string>> = {},
  ): Promise<FaultService> {
    const hooks = [this.sql.launch(), this.objects.launch()].filter(
      (hook) => hook !== undefined,
    );
    const service = await FaultService.start({
      cwd: this.dir,
      dataDir: this.dataDir,
      tmpDir: this.tmpDir,
      env: hooks.reduce<Record<string, string>>(
        (all, hook) => ({ ...all, ...hook.env }),
        { ...env },
      ),
      ...(hooks.length > 0
        ? { execArgv: hooks.flatMap((hook) => hook.execArgv) }
        : {}),
      ...(git === 'fault' ? { gitBin: this.git.bin } : {}),
    });
    this.services.push(service);
    return service;
  }

  /** Requests an action (on the stack's repo by default) and returns the job id of its 202. */
  async request(
    service: FaultService,
    body: { action: string; branchName?: string },
    repoId = this.repoId,
  ): Promise<string> {
    const res = await service.post<JobResource>(
      `/repos/${repoId}/actions`,
      body,
    );
    if (res.status !== 202)
      throw new Error(
        `${body.action}: ${res.status} ${JSON.stringify(res.body)}`,
      );
    return res.body.jobId;
  }

  /** Registers another repo with the same origin; returns it and the job that clones it. */
  async register(
    service: FaultService,
    name: string,
  ): Promise<{ repoId: string; jobId: string }> {
    const res = await service.post<RegisteredRepoResource>('/repos', {
      name,
      remoteUrl: this.origin,
    });
    if (res.status !== 202)
      throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
    return { repoId: res.body.repoId, jobId: res.body.initialJobId };
  }

  /** The events of the run's store file; read while no service runs. */
  events(): StoredEvent[] {
    return readEvents(join(this.dataDir, 'events.sqlite'));
  }

  /** The types of one job's events, in order (`Step*` types with their step). */
  jobEvents(jobId: string): string[] {
    return this.events()
      .filter((e) => e.streamId === `repo-action-${jobId}`)
      .map((e) =>
        typeof e.data.step === 'string' ? `${e.type}:${e.data.step}` : e.type,
      );
  }

  /**
   * Kills every service the run started (and lets held git calls go), and what a failed
   * test left running in the run's folder (a hung git and the processes it started).
   */
  async killAll(): Promise<void> {
    this.git.open();
    for (const service of this.services) await service.kill();
    for (const left of processesIn(this.dir)) {
      try {
        process.kill(Number(left.split(' ')[0]), 'SIGKILL');
      } catch {
        // ended meanwhile
      }
    }
  }

  /** Kills what a failed test left running, and removes the run's folder. */
  async dispose(): Promise<void> {
    await this.killAll();
    // git processes the killed service left may still be finishing in it.
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

/**
 * The Jest hooks of a crash-harness suite: one lab (its template world) for the suite, a
 * fresh run of it for each test, given to `use`, and everything it started killed and
 * removed after the test.
 */
export function useCrashLab(use: (run: CrashRun) => void): void {
  let lab: CrashLab | undefined;
  let run: CrashRun | undefined;
  beforeAll(async () => {
    lab = await CrashLab.create();
  });
  afterAll(() => lab?.dispose());
  beforeEach(() => {
    run = lab!.run();
    use(run);
  });
  afterEach(async () => {
    await run?.dispose();
    run = undefined;
  });
}
