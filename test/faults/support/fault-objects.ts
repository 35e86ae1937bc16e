import { join } from 'node:path';
import { PreloadFault } from './preload-fault';

/**
 * A crash point inside the git engine's object writer: while armed, the service is started with
 * a hook (`fault-objects.preload.cjs`) that kills it with SIGKILL right after it placed its
 * `nth` new object in a repository, so between two objects of one replay. It fires once: its
 * rule is gone afterwards.
 */
export class FaultObjects extends PreloadFault<
  { nth: number },
  { placed: string[] }
> {
  constructor(dir: string) {
    super(
      dir,
      join(__dirname, 'fault-objects.preload.cjs'),
      'FAULT_OBJECTS_CTL',
    );
  }

  /** The objects placed before the kill, in order (their paths), once it fired. */
  placed(): string[] | undefined {
    return this.fired()?.placed;
  }
}
