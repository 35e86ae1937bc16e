import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * A crash point reached by a hook loaded into the test's service with `node --require`
 * (never by the production build). The hook reads its rule from `rule.json` in a folder of
 * its own, named to it by an environment variable, and writes what it saw to `fired.json`
 * before it kills the service: a test arms and disarms it between starts.
 */
export class PreloadFault<Rule extends object, Fired> {
  private readonly ctl: string;

  constructor(
    dir: string,
    private readonly preload: string,
    private readonly ctlVariable: string,
  ) {
    this.ctl = join(dir, ctlVariable.toLowerCase());
    mkdirSync(this.ctl, { recursive: true });
  }

  arm(rule: Rule): void {
    rmSync(join(this.ctl, 'fired.json'), { force: true });
    writeFileSync(join(this.ctl, 'rule.json'), JSON.stringify(rule));
  }

  disarm(): void {
    rmSync(join(this.ctl, 'rule.json'), { force: true });
  }

  /** The node options and environment a service start needs while a rule is armed. */
  launch(): { execArgv: string[]; env: Record<string, string> } | undefined {
    if (!existsSync(join(this.ctl, 'rule.json'))) return undefined;
    return {
      execArgv: ['--require', this.preload],
      env: { [this.ctlVariable]: this.ctl },
    };
  }

  /** What the hook saw when it killed the service, once it did. */
  fired(): Fired | undefined {
    const file = join(this.ctl, 'fired.json');
    return existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Fired)
      : undefined;
  }
}
