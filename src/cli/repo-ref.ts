import type { ApiClient } from './api-client';
import type { Repo } from './api.types';
import { CliError } from './cli-error';
import { EXIT } from './exit-codes';

/**
 * The repo a command names, by id or by name, among the caller's org's repos
 * (`GET /repos`): an id wins over a name that happens to spell it.
 */
export async function resolveRepo(
  client: ApiClient,
  ref: string,
): Promise<Repo> {
  const { items } = await client.listRepos();
  const found =
    items.find((r) => r.repoId === ref) ?? items.find((r) => r.name === ref);
  if (found) return found;
  throw new CliError(
    'REPO.NOT_FOUND',
    `no repo with the id or name ${JSON.stringify(ref)} in your org`,
    EXIT.refused,
    '`stackyard repo list` shows the repos there are.',
  );
}
