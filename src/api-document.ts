import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { cancelJobRoutes } from './commands/cancel-job/cancel-job.openapi';
import { undoJobRoutes } from './commands/undo-job/undo-job.openapi';
import { createTaskRoutes } from './commands/create-task/create-task.openapi';
import { createSubscriptionRoutes } from './commands/create-subscription/create-subscription.openapi';
import { deleteSubscriptionRoutes } from './commands/delete-subscription/delete-subscription.openapi';
import { resumeSubscriptionRoutes } from './commands/resume-subscription/resume-subscription.openapi';
import { subscriptionRoutes } from './read-models/subscription/subscription.openapi';
import { registerRepoRoutes } from './commands/register-repo/register-repo.openapi';
import { requestJobRoutes } from './commands/request-job/request-job.openapi';
import { receiveHookRoutes } from './commands/receive-hook/receive-hook.openapi';
import { setRepoSettingsRoutes } from './commands/set-repo-settings/set-repo-settings.openapi';
import { setWebhookSecretRoutes } from './commands/set-webhook-secret/set-webhook-secret.openapi';
import { dashboardRoutes } from './read-models/dashboard/dashboard.openapi';
import type { ApiDocument } from './read-models/docs/api-document.token';
import { docsRoutes } from './read-models/docs/docs.openapi';
import { StreamedEventResource } from './read-models/events/event.resource';
import { eventsRoutes } from './read-models/events/events.openapi';
import { healthRoutes } from './read-models/health/health.openapi';
import { jobRoutes } from './read-models/job/job.openapi';
import { metricsRoutes } from './read-models/metrics/metrics.openapi';
import { repoRoutes } from './read-models/repo/repo.openapi';
import { taskRoutes } from './read-models/task/task.openapi';

/** Every route the app serves (the bench-only routes aside), slice by slice. */
const ROUTES: readonly RouteConfig[] = [
  ...registerRepoRoutes,
  ...requestJobRoutes,
  ...cancelJobRoutes,
  ...undoJobRoutes,
  ...createTaskRoutes,
  ...setWebhookSecretRoutes,
  ...setRepoSettingsRoutes,
  ...receiveHookRoutes,
  ...repoRoutes,
  ...jobRoutes,
  ...taskRoutes,
  ...createSubscriptionRoutes,
  ...subscriptionRoutes,
  ...deleteSubscriptionRoutes,
  ...resumeSubscriptionRoutes,
  ...eventsRoutes,
  ...healthRoutes,
  ...metricsRoutes,
  ...docsRoutes,
  ...dashboardRoutes,
];

/** Schemas no route body names, which clients still need (the SSE payload). */
const EXTRA_SCHEMAS = [StreamedEventResource];

let built: ApiDocument | undefined;

/**
 * The OpenAPI 3.1 document of the API, generated from the zod schemas that validate the
 * requests and type the responses, so that the two cannot drift apart. Built once.
 */
export function apiDocument(): ApiDocument {
  built ??= build();
  return built;
}

function build(): ApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'A token of `STACKYARD_TOKENS`; it scopes every read and write to its org. Without tokens the service needs none.',
  });
  registry.registerComponent('securitySchemes', 'accessToken', {
    type: 'apiKey',
    in: 'query',
    name: 'access_token',
    description:
      'The same token in the query, for an `EventSource`, which cannot set headers.',
  });
  for (const route of ROUTES) registry.registerPath(route);
  const document = new OpenApiGeneratorV31([
    ...registry.definitions,
    ...EXTRA_SCHEMAS.map((schema) => ({ type: 'schema' as const, schema })),
  ]).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Stackyard',
      version: '1',
      description: [
        'Stacked-branch repo actions as background jobs. Commands answer 202 with a job or task at once; watch it on `GET /events` (Server-Sent Events).',
        'Errors have the body `{ "error": { "code", "message", "details"? } }` with a stable code.',
        'So do the answers of requests no route takes: an unknown path is 404 `HTTP.NOT_FOUND`; a known path asked with a method it does not serve is 405 `HTTP.METHOD_NOT_ALLOWED` with an `Allow` header; a URL that does not decode is 400 `HTTP.BAD_REQUEST`, a path parameter over 100 characters 414 `HTTP.URI_TOO_LONG`; a request that is not valid HTTP (control bytes in the URL or a header, a broken length or chunk) is 400 `HTTP.BAD_REQUEST`, headers over 16 KiB 431 `HTTP.REQUEST_HEADER_FIELDS_TOO_LARGE`, a request that has not arrived whole 60 s after it began 408 `HTTP.REQUEST_TIMEOUT`, an unknown method or CONNECT 501 `HTTP.NOT_IMPLEMENTED` and an `Expect` other than `100-continue` 417 `HTTP.EXPECTATION_FAILED`, and the connection closes after these.',
        'Strings in a body must be Unicode text: one holding a lone surrogate (`"\\ud800"` in JSON) is 400 `REQUEST.INVALID`.',
      ].join('\n\n'),
    },
    security: [{ bearer: [] }, { accessToken: [] }],
  });
  for (const path of Object.values(document.paths ?? {}))
    for (const operation of Object.values(path as object) as Operation[])
      for (const parameter of operation.parameters ?? [])
        dropNull(parameter.schema);
  return document;
}

interface Operation {
  parameters?: Array<{ schema?: { type?: unknown } }>;
}

/**
 * A query or header value is text, never JSON null. The generator calls every schema that
 * accepts null nullable, and coercing schemas do (`Number(null)` is 0), so a coerced number
 * would read `integer | null`.
 */
function dropNull(schema: { type?: unknown } | undefined): void {
  if (!schema || !Array.isArray(schema.type)) return;
  const types = schema.type.filter((t) => t !== 'null');
  schema.type = types.length === 1 ? types[0] : types;
}
