import { colorsFor, type Colors } from './render/colors';
import { LiveRenderer } from './render/live-renderer';
import {
  PlainRenderer,
  SilentRenderer,
  type WatchRenderer,
} from './render/watch-renderer';

/**
 * Where a command writes: its result on standard output (one JSON document with `--json`),
 * notices and errors on standard error. Colours and the live region only on a terminal.
 */
export class Output {
  readonly c: Colors;
  readonly ce: Colors;

  constructor(
    readonly json: boolean,
    color: boolean,
    private readonly stdout: NodeJS.WriteStream,
    private readonly stderr: NodeJS.WriteStream,
    env: NodeJS.ProcessEnv,
  ) {
    this.c = colorsFor(stdout, env, color && !json);
    this.ce = colorsFor(stderr, env, color);
    this.live = !json && stdout.isTTY === true && env.TERM !== 'dumb';
  }

  /** Whether stdout is a terminal that a live region may redraw. */
  readonly live: boolean;

  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  lines(texts: readonly string[]): void {
    for (const text of texts) this.line(text);
  }

  /** A line for the person at the terminal, never part of the result. */
  notice(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** The one JSON document of a `--json` run. */
  document(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** How a watch shows a job on this output. */
  renderer(): WatchRenderer {
    if (this.json) return new SilentRenderer();
    const target = {
      out: (line: string) => this.line(line),
      err: (line: string) => this.notice(line),
      c: this.c,
    };
    return this.live
      ? new LiveRenderer(target, this.stdout)
      : new PlainRenderer(target);
  }
}
