/** The runner lost its job: another writer started or ended it, or shutdown gave it up. */
export class JobReleasedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'JobReleasedError';
  }
}
