import pc from 'picocolors';
import type { Colors } from 'picocolors/types';

export type { Colors };

/**
 * Colours for one output stream: only on a terminal, never with `NO_COLOR` set to anything
 * but the empty string (no-color.org) or with `--no-color`; `FORCE_COLOR` (other than `0`)
 * turns them on anywhere.
 */
export function colorsFor(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
  flag: boolean,
): Colors {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  const off = !flag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '');
  return pc.createColors(!off && (forced || stream.isTTY === true));
}
