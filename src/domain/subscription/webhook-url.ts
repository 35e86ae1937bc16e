import { ValidationError } from '../domain-error';

/**
 * Where a subscription may send its deliveries: an http or https URL with no credentials, no
 * query and no fragment, whose host (and port) the operator's allow-list names. Refused before anything
 * is recorded, so that a tenant cannot point the service at an internal address.
 *
 * Allow-list entries are `host`, `*.domain` (any name below the domain, not the domain
 * itself) or either with `:port`; without a port only the web's own ports, 80 and 443, are
 * allowed (an internal service on another port of an allowed host stays out). Hosts are
 * compared after WHATWG URL parsing, which lower-cases names and writes IP addresses in
 * their one canonical form (`http://0x7f.1/` is `127.0.0.1`), so no spelling slips past.
 */
export function checkWebhookUrl(
  raw: string,
  allowedHosts: readonly string[],
): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('url is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid(
      `url uses ${url.protocol.slice(0, -1)}; allowed: http, https`,
    );
  if (url.username !== '' || url.password !== '')
    throw invalid(
      'url must not carry credentials: the URL is kept in the history and answered by reads; the signature authenticates deliveries',
    );
  if (url.hash !== '' || raw.includes('#'))
    throw invalid('url must not have a fragment ("#")');
  // Where Slack-style URLs put their token: the URL is answered by every read, the SSE
  // stream, the history and the dashboard, so it must hold nothing secret.
  if (url.search !== '' || raw.includes('?'))
    throw invalid(
      'url must not have a query ("?"): it is shown by reads, the history and the event stream, so it must not carry a token; deliveries are authenticated by their signature',
    );
  if (!hostAllowed(url, allowedHosts))
    throw new ValidationError(
      'SUBSCRIPTION.HOST_NOT_ALLOWED',
      allowedHosts.length === 0
        ? 'No webhook host is allowed on this service (STACKYARD_WEBHOOK_HOSTS is empty)'
        : `Host ${url.host} is not in this service's webhook allow-list`,
      { field: 'url', host: url.host },
    );
  return url.toString();
}

/** Whether the URL's host and port match an entry of the allow-list. */
export function hostAllowed(
  url: URL,
  allowedHosts: readonly string[],
): boolean {
  const host = url.hostname.toLowerCase();
  const port =
    url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return allowedHosts.some((entry) => {
    const { name, port: entryPort } = splitEntry(entry.toLowerCase());
    if (entryPort !== undefined ? entryPort !== port : !WEB_PORTS.has(port))
      return false;
    if (name.startsWith('*.')) {
      const domain = name.slice(1);
      return host.endsWith(domain) && host.length > domain.length;
    }
    return host === name;
  });
}

/** The ports an entry without one allows. */
const WEB_PORTS = new Set(['80', '443']);

/** `host`, `host:port`, `[v6]`, `[v6]:port`. */
function splitEntry(entry: string): { name: string; port?: string } {
  const v6 = /^(\[[^\]]+\])(?::(\d+))?$/.exec(entry);
  if (v6) return { name: v6[1]!, ...(v6[2] ? { port: v6[2] } : {}) };
  const at = entry.lastIndexOf(':');
  return at < 0
    ? { name: entry }
    : { name: entry.slice(0, at), port: String(Number(entry.slice(at + 1))) };
}

const invalid = (message: string) =>
  new ValidationError('SUBSCRIPTION.INVALID_URL', message, { field: 'url' });
