import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const PRELOAD = join(__dirname, 'fault-objects.preload.cjs');

/**
 * A crash point inside the git engine's object writer: while armed, the service is started
 * with a hook (loaded with `node --require`, outside the production build) that kills it with
 * SIGKILL right after it placed its `nth` new object in a repository, so between two objects
 * of one replay. It fires once: its rule is gone afterwards.
 */
export class FaultObjects {
  private readonly ctl: string;

  constructor(dir: string) {
    this.ctl = join(dir, 'fault-objects');
    mkdirSync(this.ctl, { recursive: true });
  }

  arm(rule: { nth: number }): void {
    rmSync(join(this.ctl, 'fired.json'), { force: true });
    writeFileSync(join(this.ctl, 'rule.json'), JSON.stringify(rule));
  }

  /** The node options and environment a service start needs while a rule is armed. */
  launch(): { execArgv: string[]; env: Record<string, string> } | undefined {
    if (!existsSync(join(this.ctl, 'rule.json'))) return undefined;
    return {
      execArgv: ['--require', PRELOAD],
      env: { FAULT_OBJECTS_CTL: this.ctl },
    };
  }

  /** The objects placed before the kill, in order (their paths), once it fired. */
  placed(): string[] | undefined {
    const file = join(this.ctl, 'fired.json');
    return existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as { placed: string[] }).placed
      : undefined;
  }
}
