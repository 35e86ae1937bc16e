const SCHEME_URL =
  /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?:[^/@]*@)?([^/:]*)(?::\d*)?(\/.*)?$/;
// user@host:path, git's scp-like ssh form.
const SCP_LIKE = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(.+)$/;

/**
 * What names a repository in any of its URLs: the host (lower case, without user or port)
 * and the path without a trailing `/` or `.git`, lower case too (forges' owner and repo
 * names are case-insensitive); for a local path (`/srv/x.git`, `file:///srv/x.git`) the path
 * as it is. Undefined for what is no URL.
 */
export function repositoryKey(url: string): string | undefined {
  const trimmed = (path: string) =>
    path.replace(/\/+$/, '').replace(/\.git$/, '');
  const scheme = SCHEME_URL.exec(url);
  if (scheme) {
    const [, protocol, host = '', path = ''] = scheme;
    if (protocol!.toLowerCase() === 'file') return `file:${trimmed(path)}`;
    if (!host) return undefined;
    return `${host.toLowerCase()}/${trimmed(path.replace(/^\/+/, ''))}`.toLowerCase();
  }
  const scp = SCP_LIKE.exec(url);
  if (scp) {
    const [, host, path] = scp;
    return `${host!.toLowerCase()}/${trimmed(path!.replace(/^\/+/, ''))}`.toLowerCase();
  }
  if (url.startsWith('/')) return `file:${trimmed(url)}`;
  return undefined;
}

/**
 * Whether a forge's payload is about the repo registered with `remoteUrl`: one of the URLs
 * it gives for its repository (clone, ssh, git, web) names the same host and path. This is
 * what "a payload for another repo" means: a hook of another repository sent here (a copied
 * hook, a mistyped repo id) is refused before anything is queued.
 */
export function isSameRepository(
  remoteUrl: string,
  payloadUrls: readonly string[],
): boolean {
  const key = repositoryKey(remoteUrl);
  return (
    key !== undefined && payloadUrls.some((url) => repositoryKey(url) === key)
  );
}
