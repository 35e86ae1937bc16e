import fc from 'fast-check';

/**
 * Fixed, so that CI sends the same requests every run; FUZZ_SEED replays another run (a
 * failure names its seed) and FUZZ_RUNS runs longer.
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_260_611);

/** Runs per property when a spec does not say; FUZZ_RUNS overrides it. */
export const fuzzRuns = (fallback: number): number =>
  Number(process.env.FUZZ_RUNS ?? fallback);

/**
 * Runs `property` over `arbitrary` with the run's seed. A failure names the seed and run
 * count that replay it, the error, and the shrunk value that caused it.
 */
export async function fuzz<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  property: (value: T) => Promise<void>,
  numRuns: number,
): Promise<void> {
  const details = await fc.check(fc.asyncProperty(arbitrary, property), {
    seed: FUZZ_SEED,
    numRuns,
  });
  if (!details.failed) return;
  const error = details.errorInstance;
  throw new Error(
    [
      `${name}: fuzzing failed; replay with FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${numRuns}`,
      error instanceof Error ? error.message : String(error),
      fc.defaultReportMessage(details) ?? '',
    ].join('\n'),
  );
}
