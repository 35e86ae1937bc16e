import Ajv2020, {
  type ErrorObject,
  type ValidateFunction,
} from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import type { ApiDocument } from '../../src/read-models/docs/api-document.token';

/** One response as the contract check sees it. */
export interface ObservedResponse {
  method: string;
  /** The Fastify route pattern (`/repos/:repoId`); undefined when no route matched. */
  route: string | undefined;
  url: string;
  status: number;
  contentType: string | undefined;
  /** The body as sent; undefined when it is not text (a stream) or was not seen (SSE). */
  body: string | undefined;
}

interface MediaType {
  schema?: object;
}
interface Operation {
  responses: Record<string, { content?: Record<string, MediaType> }>;
}

const DOCUMENT_ID = 'stackyard-api';

const pointer = (segments: string[]): string =>
  segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** `/repos/{repoId}` → `/repos/:repoId`, the way Fastify names the route. */
const routeOf = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

const mediaTypeOf = (contentType: string | undefined): string | undefined =>
  contentType?.split(';')[0]?.trim().toLowerCase();

/**
 * The served OpenAPI document as a checker of responses: is the status documented for the
 * operation, and does a JSON body match that status's schema? Non-JSON bodies (SSE, the
 * dashboard's files, metrics) are checked for their status and media type only.
 */
export class ApiContract {
  private static readonly byDocument = new WeakMap<object, ApiContract>();

  private readonly ajv: Ajv2020;
  private readonly operations = new Map<string, [string, Operation]>();
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor(document: ApiDocument) {
    this.ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(this.ajv);
    // The document's own fields are no JSON Schema keywords; the schemas inside them are.
    this.ajv.addVocabulary(Object.keys(document));
    this.ajv.addSchema({ ...document, $id: DOCUMENT_ID });
    const paths = (document as { paths: Record<string, object> }).paths;
    for (const [path, item] of Object.entries(paths))
      for (const [method, operation] of Object.entries(item))
        this.operations.set(`${method.toUpperCase()} ${routeOf(path)}`, [
          path,
          operation as Operation,
        ]);
  }

  /** The checker of `document`, compiled once however many apps serve it. */
  static of(document: ApiDocument): ApiContract {
    let contract = ApiContract.byDocument.get(document);
    if (!contract) {
      contract = new ApiContract(document);
      ApiContract.byDocument.set(document, contract);
    }
    return contract;
  }

  /** What is wrong with a response, as readable lines; empty when it keeps the contract. */
  check(response: ObservedResponse): string[] {
    const method = response.method === 'HEAD' ? 'GET' : response.method;
    const found =
      response.route === undefined
        ? undefined
        : this.operations.get(`${method} ${response.route}`);
    if (response.route === undefined) return this.checkUnrouted(response);
    if (!found)
      return [`no documented operation for ${method} ${response.route}`];
    const [path, operation] = found;
    const status = String(response.status);
    const documented = operation.responses[status];
    if (!documented)
      return [
        `status ${status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`,
      ];
    if (!response.body || response.method === 'HEAD') return [];
    const mediaType = mediaTypeOf(response.contentType);
    const content = documented.content ?? {};
    if (mediaType === undefined || !(mediaType in content))
      return [
        `content type ${response.contentType ?? '(none)'} is not documented for ${status} (documented: ${Object.keys(content).join(', ') || 'no body'})`,
      ];
    if (mediaType !== 'application/json') return [];
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return ['the body is not JSON'];
    }
    const validate = this.validator(path, method, status);
    return validate(body) ? [] : (validate.errors ?? []).map(describe);
  }

  /**
   * A request no route took (an unknown path or method, a URL that does not decode) has no
   * operation to describe it; the document's description promises a client error with the
   * coded error body.
   */
  private checkUnrouted(response: ObservedResponse): string[] {
    if (response.status < 400 || response.status >= 500)
      return [`status ${response.status} without a route is no client error`];
    if (response.method === 'HEAD') return [];
    if (mediaTypeOf(response.contentType) !== 'application/json')
      return [
        `content type ${response.contentType ?? '(none)'} without a route is not the error body`,
      ];
    let body: unknown;
    try {
      body = JSON.parse(response.body ?? '');
    } catch {
      return ['the body is not JSON'];
    }
    let validate = this.validators.get('Error');
    if (!validate) {
      validate = this.ajv.compile({
        $ref: `${DOCUMENT_ID}#/components/schemas/Error`,
      });
      this.validators.set('Error', validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map(describe);
  }

  private validator(
    path: string,
    method: string,
    status: string,
  ): ValidateFunction {
    const key = `${method} ${path} ${status}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile({
        $ref: `${DOCUMENT_ID}#/${pointer(['paths', path, method.toLowerCase(), 'responses', status, 'content', 'application/json', 'schema'])}`,
      });
      this.validators.set(key, validate);
    }
    return validate;
  }
}

const describe = (error: ErrorObject): string =>
  `${error.instancePath || '(body)'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`;

const violations: string[] = [];

/**
 * Checks every response `fastify` sends against `contract`, and keeps what breaks it for
 * {@link takeViolations}. Hooks must be added before the app listens.
 */
export function checkResponses(
  fastify: FastifyInstance,
  contract: ApiContract,
): void {
  const record = (response: ObservedResponse) => {
    const problems = contract.check(response);
    if (problems.length > 0)
      violations.push(
        `${response.method} ${response.url} → ${response.status}\n${problems.map((p) => `    ${p}`).join('\n')}`,
      );
  };
  const sent = new WeakSet<object>();
  fastify.addHook('onSend', (request, reply, payload, done) => {
    sent.add(reply);
    const contentType = reply.getHeader('content-type');
    record({
      method: request.method,
      route: request.routeOptions.url,
      url: request.url,
      status: reply.statusCode,
      contentType: typeof contentType === 'string' ? contentType : undefined,
      body:
        typeof payload === 'string'
          ? payload
          : Buffer.isBuffer(payload)
            ? payload.toString('utf8')
            : undefined,
    });
    done(null, payload);
  });
  // A route that takes over the raw response (SSE) skips onSend: its status is checked
  // once the response ends.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.raw.once('close', () => {
      if (sent.has(reply) || !reply.raw.headersSent) return;
      const contentType = reply.raw.getHeader('content-type');
      record({
        method: request.method,
        route: request.routeOptions.url,
        url: request.url,
        status: reply.raw.statusCode,
        contentType: typeof contentType === 'string' ? contentType : undefined,
        body: undefined,
      });
    });
    done();
  });
}

/** The responses that broke the contract since the last call, and forgets them. */
export function takeViolations(): string[] {
  return violations.splice(0);
}
