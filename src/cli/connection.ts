import { usageError } from './cli-error';

/** Where the service is and who the caller is, from flags first, then the environment. */
export interface Connection {
  baseUrl: string;
  token?: string;
}

/**
 * `--url`/`STACKYARD_URL` (required: an http or https base URL) and
 * `--token`/`STACKYARD_TOKEN` (optional: a service without tokens needs none).
 */
export function resolveConnection(
  flags: { url?: string; token?: string },
  env: NodeJS.ProcessEnv,
): Connection {
  const raw = flags.url ?? nonEmpty(env.STACKYARD_URL);
  if (raw === undefined) {
    throw usageError(
      'no service URL: set STACKYARD_URL or pass --url',
      'For example: STACKYARD_URL=http://127.0.0.1:3000 stackyard repo list',
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`the service URL ${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(
      `the service URL must be http or https, not ${url.protocol.replace(/:$/, '')}`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw usageError('the service URL takes no query or fragment');
  }
  const token = flags.token ?? nonEmpty(env.STACKYARD_TOKEN);
  return {
    baseUrl: url.href.replace(/\/$/, ''),
    ...(token !== undefined ? { token } : {}),
  };
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value;
