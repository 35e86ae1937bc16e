import { ValidationError } from '../domain-error';

/** Transports a remote may use; git is told the same through GIT_ALLOW_PROTOCOL. */
export const ALLOWED_PROTOCOLS = ['https', 'ssh', 'git', 'file'] as const;

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;
// user@host:path, git's scp-like ssh form (no "://", a colon before any slash).
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/\\]/;

/**
 * Why `url` is refused as a remote, or undefined. Accepts https://, ssh://, git://, file://,
 * scp-like `user@host:path` (ssh) and absolute local paths (file); refuses everything else,
 * among them `ext::` and other `transport::` helpers, plain http, and option-like strings.
 */
export function remoteUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.trim() === '')
    return 'must be a non-empty string';
  if (url.length > 2048) return 'is too long';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s]/.test(url))
    return 'must not contain spaces or control characters';
  if (url.startsWith('-')) return 'must not start with "-"';
  if (url.includes('::'))
    return 'must not use a transport helper ("<transport>::")';
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  // The URL is kept in the event history for ever, so it must hold no secret: no password
  // anywhere, and no user at all except an ssh login name (a token often poses as a user).
  const userinfo = /^[^/]+:\/\/([^/@]*)@/.exec(url)?.[1];
  if (userinfo !== undefined && (scheme !== 'ssh' || userinfo.includes(':')))
    return 'must not carry credentials (use a credential helper or an SSH key)';
  // A query or fragment is where tokens go when they are not in the userinfo
  // (`?token=…`, `#access_token=…`); no git transport needs either, so none is accepted.
  if (/[?#]/.test(url))
    return 'must not have a query ("?") or fragment ("#") part: it could carry a secret (use a credential helper or an SSH key)';
  if (scheme !== undefined) {
    return (ALLOWED_PROTOCOLS as readonly string[]).includes(scheme)
      ? undefined
      : `uses protocol ${scheme}; allowed: ${ALLOWED_PROTOCOLS.join(', ')}`;
  }
  if (SCP_LIKE.test(url) || url.startsWith('/')) return undefined;
  return `is neither a URL (${ALLOWED_PROTOCOLS.join(', ')}), user@host:path nor an absolute path`;
}

export function assertRemoteUrl(url: unknown): asserts url is string {
  const problem = remoteUrlProblem(url);
  if (problem) {
    throw new ValidationError(
      'REPO.INVALID_REMOTE_URL',
      `remoteUrl ${problem}`,
      {
        field: 'remoteUrl',
      },
    );
  }
}

/**
 * The text with every URL's user, password, query and fragment removed, for events, logs and
 * errors. Queries and fragments are refused at registration, but repos registered before that
 * rule may still have one, so it is removed here too.
 */
export function redactCredentials(text: string): string {
  return text
    .replace(/([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/@\s]+@/g, '$1***@')
    .replace(
      /([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s'"?#]*)([?#])[^\s'"]*/g,
      '$1$2***',
    );
}
