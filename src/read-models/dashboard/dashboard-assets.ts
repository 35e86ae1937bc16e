import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { dashboardCatalogueModule } from './dashboard-catalogue';

/** One built dashboard file, held in memory with its validator. */
export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Names a request may ask for: one plain file name of a served type. No separators and no
 * leading dot, so no name can leave the directory.
 */
const SERVABLE =
  /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*\.(?:html|js|css|map)$/;

/**
 * Where `npm run build` puts the dashboard (`dist/dashboard`): beside the compiled service
 * (`dist/src/read-models/dashboard/` → `dist/dashboard`) or, when the service runs from
 * its TypeScript sources as under jest, in the repository's `dist/`.
 */
export function dashboardDir(): string {
  const up = resolve(__dirname, '..', '..', '..');
  return __filename.endsWith('.ts')
    ? join(up, 'dist', 'dashboard')
    : join(up, 'dashboard');
}

/**
 * The built dashboard, read once at start-up: requests are answered from memory, and only
 * the files found then can be served. A missing directory is an empty set, not an error:
 * the API works without its dashboard.
 */
export class DashboardAssets {
  private constructor(
    private readonly files: ReadonlyMap<string, DashboardAsset>,
  ) {}

  static load(dir: string): DashboardAssets {
    const files = new Map<string, DashboardAsset>();
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return new DashboardAssets(files);
    }
    for (const name of names) {
      const contentType = CONTENT_TYPES[extname(name)];
      const path = join(dir, name);
      if (!contentType || !SERVABLE.test(name) || !statSync(path).isFile()) {
        continue;
      }
      files.set(name, asset(readFileSync(path), contentType));
    }
    if (files.size > 0) {
      files.set(
        CATALOGUE,
        asset(Buffer.from(dashboardCatalogueModule()), CONTENT_TYPES['.js']!),
      );
    }
    return new DashboardAssets(files);
  }

  /** Whether the page and its entry module are there (`npm run build` ran). */
  get built(): boolean {
    return this.files.has('index.html') && this.files.has('app.js');
  }

  get(name: string): DashboardAsset | undefined {
    return SERVABLE.test(name) ? this.files.get(name) : undefined;
  }
}

/** The module the service makes for the dashboard from its event catalogue. */
const CATALOGUE = 'catalogue.js';

function asset(body: Buffer, contentType: string): DashboardAsset {
  const hash = createHash('sha256').update(body).digest('base64url');
  return { body, contentType, etag: `"${hash.slice(0, 27)}"` };
}

/** Whether an `If-None-Match` header names `etag` (or is `*`); weak forms match too. */
export function matchesEtag(header: string | undefined, etag: string) {
  if (!header) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}
