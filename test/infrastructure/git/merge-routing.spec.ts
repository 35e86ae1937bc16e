import {
  MAX_PICKS_TO_GIT,
  MergeRouting,
} from '../../../src/infrastructure/git/merge-routing';

/** The picks, out of `n`, that try the entry merge first when every one needs git. */
function triesWhenEveryPickNeedsGit(
  routing: MergeRouting,
  n: number,
): number[] {
  const tries: number[] = [];
  for (let pick = 0; pick < n; pick++) {
    if (!routing.tryEntriesFirst()) continue;
    tries.push(pick);
    routing.entriesGaveUp();
  }
  return tries;
}

describe('MergeRouting', () => {
  it('tries the entry merge first on every pick while it merges', () => {
    const routing = new MergeRouting();
    for (let pick = 0; pick < 100; pick++) {
      expect(routing.tryEntriesFirst()).toBe(true);
      routing.entriesMerged();
    }
  });

  it('sends picks straight to git after it gives up, twice as many each time, up to the cap', () => {
    const routing = new MergeRouting();

    const tries = triesWhenEveryPickNeedsGit(routing, 100);

    // Gaps of 1, 2, 4, 8, then 16 picks sent to git between two tries.
    expect(tries.slice(0, 7)).toEqual([0, 2, 5, 10, 19, 36, 53]);
    const gaps = tries.slice(1).map((t, i) => t - tries[i]! - 1);
    expect(Math.max(...gaps)).toBe(MAX_PICKS_TO_GIT);
  });

  it('ends the backoff when the entry merge merges again', () => {
    const routing = new MergeRouting();
    triesWhenEveryPickNeedsGit(routing, 40);
    // Let the picks sent to git run out, then the entry merge merges.
    while (!routing.tryEntriesFirst());
    routing.entriesMerged();

    // An isolated content merge after that costs one pick sent to git, not sixteen.
    expect(routing.tryEntriesFirst()).toBe(true);
    routing.entriesGaveUp();
    expect(routing.tryEntriesFirst()).toBe(false);
    expect(routing.tryEntriesFirst()).toBe(true);
  });

  it('sends every pick to git when entry merges are off', () => {
    const routing = new MergeRouting(false);
    routing.entriesMerged();
    for (let pick = 0; pick < 20; pick++)
      expect(routing.tryEntriesFirst()).toBe(false);
  });
});
