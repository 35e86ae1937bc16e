import type { Stack } from '../../src/domain/stack/stack';

/** A stack from `{ branch: parent }`, each base recorded as `base-of-<branch>`. */
export function aStack(parents: Record<string, string>, trunk = 'main'): Stack {
  return {
    trunk,
    branches: new Map(
      Object.entries(parents).map(([name, parent]) => [
        name,
        { name, parent, baseSha: `base-of-${name}` },
      ]),
    ),
  };
}
