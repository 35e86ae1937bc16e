import { HttpException, RequestMethod, type Type } from '@nestjs/common';
import {
  GUARDS_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
} from '@nestjs/common/constants';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { apiDocument } from '../src/api-document';
import { BODY_LIMIT_BYTES, REQUEST_TIMEOUT_MS } from '../src/app.factory';
import { AppModule } from '../src/app.module';
import { ValidationError } from '../src/domain/domain-error';
import { ALL_EVENTS } from '../src/domain/events/stackyard-event';
import { PUBLIC_ROUTE } from '../src/infrastructure/auth/public.decorator';
import type { AppConfig } from '../src/infrastructure/config/app-config';
import { ConcurrencyError } from '../src/infrastructure/event-store/event-store.errors';
import type { RecordedEvent } from '../src/infrastructure/event-store/event-store.port';
import { AcceptingCommandsGuard } from '../src/infrastructure/http/draining';
import { toErrorResponse } from '../src/infrastructure/http/http-error.filter';
import type { Storage } from '../src/infrastructure/storage/storage';
import { formatSse } from '../src/read-models/events/sse.filter';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: { type?: unknown };
}
interface Operation {
  operationId?: string;
  security?: unknown[];
  parameters?: Parameter[];
  responses: Record<string, { description?: string; content?: object }>;
}
interface SchemaObject {
  type?: unknown;
  format?: string;
  properties?: Record<string, SchemaObject>;
  required?: string[];
}
interface Document {
  openapi: string;
  info: { description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, SchemaObject> };
}

const doc = apiDocument() as Document;
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({
    path,
    method,
    operation,
  })),
);
const schemas = doc.components.schemas;

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
ajv.addVocabulary(Object.keys(doc));
ajv.addSchema({ ...doc, $id: 'api' });
const validatorOf = (name: string) =>
  ajv.compile({ $ref: `api#/components/schemas/${name}` });

/** A route as the app's controllers declare it, and what its decorators say. */
interface ServedRoute {
  /** `METHOD /path/{param}`, the way the document names it. */
  route: string;
  public: boolean;
  /** Guarded by `AcceptingCommandsGuard`: a command. */
  command: boolean;
}

/** Every route of the app's controllers (the bench routes are off by default). */
function servedRoutes(): ServedRoute[] {
  const module = AppModule.forRoot(
    { benchRoutes: false } as AppConfig,
    {} as Storage,
  );
  const controllers: Type[] = module.controllers ?? [];
  return controllers.flatMap((controller) => {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller));
    const guards = (Reflect.getMetadata(GUARDS_METADATA, controller) ??
      []) as unknown[];
    const prototype = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(prototype)
      .map((name) => prototype[name])
      .filter(
        (handler): handler is object =>
          typeof handler === 'function' &&
          Reflect.hasMetadata(METHOD_METADATA, handler),
      )
      .map((handler) => {
        const method =
          RequestMethod[
            Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod
          ];
        const path =
          `/${base}/${String(Reflect.getMetadata(PATH_METADATA, handler))}`
            .replace(/\/+/g, '/')
            .replace(/(.)\/$/, '$1')
            .replace(/:(\w+)/g, '{$1}');
        return {
          route: `${method} ${path}`,
          public: [handler, controller].some(
            (target) => Reflect.getMetadata(PUBLIC_ROUTE, target) === true,
          ),
          command: guards.includes(AcceptingCommandsGuard),
        };
      });
  });
}

/** Every `$ref` in `value`, with where it was found. */
function refsIn(value: unknown, at = '#'): Array<[string, string]> {
  if (Array.isArray(value))
    return value.flatMap((item, i) => refsIn(item, `${at}/${i}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string'
      ? [[at, inner] as [string, string]]
      : refsIn(inner, `${at}/${key}`),
  );
}

function resolve(ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (node, key) =>
        typeof node === 'object' && node !== null
          ? (node as Record<string, unknown>)[key]
          : undefined,
      doc,
    );
}

describe('the API document', () => {
  it('is OpenAPI 3.1 with a unique operationId on every operation', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && id !== '')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('describes every route the app serves, and no other', () => {
    expect(
      operations
        .map(({ method, path }) => `${method.toUpperCase()} ${path}`)
        .sort(),
    ).toEqual(
      servedRoutes()
        .map(({ route }) => route)
        .sort(),
    );
  });

  it('declares every path parameter, and only those, as required', () => {
    for (const { path, operation } of operations) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (operation.parameters ?? []).filter(
        (p) => p.in === 'path',
      );
      expect({ path, names: declared.map((p) => p.name).sort() }).toEqual({
        path,
        names: inPath,
      });
      expect(declared.every((p) => p.required === true)).toBe(true);
    }
  });

  it('types every parameter, and never as null', () => {
    for (const { path, operation } of operations)
      for (const parameter of operation.parameters ?? []) {
        const type = parameter.schema?.type;
        expect({ path, parameter: parameter.name, type }).toEqual({
          path,
          parameter: parameter.name,
          type: ['string', 'integer', 'number', 'boolean'].find(
            (t) => t === type,
          ),
        });
      }
  });

  it('types the query parameters with their limits and enums', () => {
    const parameter = (path: string, method: string, name: string) =>
      doc.paths[path]![method]!.parameters!.find((p) => p.name === name);
    expect(parameter('/repos/{repoId}/jobs', 'get', 'limit')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    });
    expect(parameter('/repos/{repoId}/jobs', 'get', 'status')).toMatchObject({
      in: 'query',
      schema: {
        type: 'string',
        enum: ['queued', 'running', 'completed', 'error', 'cancelled'],
      },
    });
    expect(parameter('/jobs/{jobId}', 'get', 'minPosition')).toMatchObject({
      in: 'query',
      schema: { type: 'integer', minimum: 0 },
    });
    expect(parameter('/events', 'get', 'Last-Event-ID')).toMatchObject({
      in: 'header',
      schema: { type: 'integer', minimum: 0 },
    });
    for (const path of ['/repos/{repoId}/actions', '/repos/{repoId}/tasks'])
      expect(parameter(path, 'post', 'Idempotency-Key')).toMatchObject({
        in: 'header',
        required: false,
        schema: { type: 'string', minLength: 1, maxLength: 200 },
      });
  });

  it('resolves every $ref', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const [at, ref] of refs)
      expect({ at, ref, resolved: resolve(ref) !== undefined }).toEqual({
        at,
        ref,
        resolved: true,
      });
  });

  it('describes every response, and every JSON schema in it compiles', () => {
    for (const { path, method, operation } of operations) {
      expect(
        Object.keys(operation.responses).some((s) => s.startsWith('2')),
      ).toBe(true);
      for (const [status, response] of Object.entries(operation.responses)) {
        expect({
          path,
          status,
          description: typeof response.description,
        }).toEqual({
          path,
          status,
          description: 'string',
        });
        if (response.content && 'application/json' in response.content)
          ajv.compile({
            $ref: `api#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}/responses/${status}/content/application~1json/schema`,
          });
      }
    }
  });

  it('documents 401 exactly where a token is needed, and the body and draining errors of every command', () => {
    for (const traits of servedRoutes()) {
      const { route } = traits;
      const [method, path] = route.split(' ') as [string, string];
      const operation = doc.paths[path]![method.toLowerCase()]!;
      const statuses = Object.keys(operation.responses);
      expect({ route, public: operation.security?.length === 0 }).toEqual({
        route,
        public: traits.public,
      });
      // A forge hook needs no token but proves itself with a signature: its 401 is that.
      const signed = path.startsWith('/hooks/');
      expect({ route, 401: statuses.includes('401') }).toEqual({
        route,
        401: !traits.public || signed,
      });
      if (traits.command)
        expect({
          route,
          missing: ['400', '413', '415', '503'].filter(
            (status) => !statuses.includes(status),
          ),
        }).toEqual({ route, missing: [] });
    }
  });

  it('names the body limit the app enforces', () => {
    const description =
      doc.paths['/repos/{repoId}/actions']!.post!.responses['413']!.description;
    expect(description).toContain(`${BODY_LIMIT_BYTES / 1024} KiB`);
  });

  it('names the time limit the app gives a request to arrive', () => {
    expect(doc.info.description).toContain(
      `arrived whole ${REQUEST_TIMEOUT_MS / 1000} s after it began`,
    );
  });

  it('lists the always-present fields of Repo, Job and Task as required, and types the nullable ones', () => {
    for (const name of [
      'Repo',
      'RegisteredRepo',
      'Job',
      'Task',
      'Branch',
      'JobPage',
      'HistoryEntry',
    ]) {
      const schema = schemas[name]!;
      expect({ name, required: [...schema.required!].sort() }).toEqual({
        name,
        required: Object.keys(schema.properties!).sort(),
      });
    }
    expect(schemas.Job!.properties!.finishedAt!.type).toEqual([
      'string',
      'null',
    ]);
    expect(schemas.Repo!.properties!.trunkSha!.type).toEqual([
      'string',
      'null',
    ]);
    expect(schemas.Task!.properties!.headSha!.type).toEqual(['string', 'null']);
    expect(schemas.RegisteredRepo!.required).toContain('initialJobId');
  });

  it("shows a client generating types the job's cancelRequested and updatedAt", () => {
    const job = schemas.Job!;
    expect(job.properties!.cancelRequested).toMatchObject({ type: 'boolean' });
    expect(job.properties!.updatedAt).toMatchObject({
      type: 'string',
      format: 'date-time',
    });
    expect(job.required).toEqual(
      expect.arrayContaining(['cancelRequested', 'updatedAt']),
    );
  });

  it('documents the SSE stream: named messages, every event type, and the payload', () => {
    const events = doc.paths['/events']!.get!;
    const description = (events as { description?: string }).description!;
    expect(description).toContain('onmessage');
    for (const type of ALL_EVENTS.types)
      expect(description).toContain(`\`${type}\``);
    expect(Object.keys(events.responses['200']!.content!)).toEqual([
      'text/event-stream',
    ]);
    expect(schemas.StreamedEvent!.properties!.type).toMatchObject({
      enum: [...ALL_EVENTS.types],
    });

    const event: RecordedEvent = {
      eventId: 'e1',
      streamId: 'repo-action-j1',
      streamVersion: 0,
      globalPosition: 7,
      type: 'RepoActionStarted',
      data: { attempt: 1, worker: 'w1' },
      metadata: { orgId: 'o1', repoId: 'r1', at: '2026-01-01T00:00:00.000Z' },
      recordedAt: '2026-01-01T00:00:01.000Z',
    };
    const fields = Object.fromEntries(
      formatSse(event)
        .trim()
        .split('\n')
        .map((line) => [
          line.slice(0, line.indexOf(': ')),
          line.slice(line.indexOf(': ') + 2),
        ]),
    ) as Record<string, string>;
    expect(fields.event).toBe('RepoActionStarted');
    const validate = validatorOf('StreamedEvent');
    expect(validate(JSON.parse(fields.data!))).toBe(true);
  });

  it('describes every error body the error filter makes', () => {
    const validate = validatorOf('Error');
    for (const error of [
      new ValidationError('REQUEST.INVALID', 'bad', { issues: [] }),
      new ConcurrencyError('repo-1', 3, 4),
      new HttpException('Not Found', 404),
      { statusCode: 413, message: 'Request body is too large' },
      new Error('boom'),
    ]) {
      const { body } = toErrorResponse(error);
      expect({ body, valid: validate(body) }).toEqual({ body, valid: true });
    }
  });
});
