import fc from 'fast-check';
import type { WireRequest } from './wire';
import {
  headerBytes,
  longString,
  oddBodyBytes,
  oddHeaderValue,
  oddJson,
  oddString,
} from './odd-values';

/** A JSON Schema of the document, as far as the generators read it. */
type Schema = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}

/** One operation of the served document. */
export interface FuzzOperation {
  /** `operationId`, or the method and path when it has none. */
  id: string;
  /** Upper case, as sent. */
  method: string;
  /** The document's path template: `/repos/{repoId}/actions`. */
  path: string;
  parameters: Parameter[];
  /** The JSON schema of the body, when the operation takes one. */
  body?: Schema;
}

/** What the generators need from the test: tokens, and values worth reusing. */
export interface FuzzContext {
  /** A token of the org the fixtures belong to. */
  token: string;
  /** A token of another org, which must see none of them. */
  otherToken: string;
  /**
   * Strings the service gave out or the fixtures hold (ids, branch names, URLs, keys) under
   * the name of the field, parameter or header they fit, or all of them without a name.
   * Read each time a value is generated, so that ids answered earlier are named later.
   */
  known(name?: string): readonly string[];
}

/** A request with its description: fast-check prints this, with long strings cut. */
export class FuzzCase {
  constructor(
    readonly operation: string,
    readonly request: WireRequest,
  ) {}

  [fc.toStringMethod](): string {
    const cut = (s: string) =>
      s.length > 200
        ? `${JSON.stringify(s.slice(0, 120))}…(${s.length} chars)`
        : JSON.stringify(s);
    const { method, target, headers, body, chunked } = this.request;
    const lines = [
      `[${this.operation}] ${method} ${cut(target)}`,
      ...Object.entries(headers).map(([k, v]) => `  ${k}: ${cut(v)}`),
      ...(body
        ? [
            `  body${chunked ? ' (chunked)' : ''}: ${cut(body.toString('latin1'))}`,
          ]
        : []),
    ];
    return lines.join('\n');
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** The operations of an OpenAPI 3.1 document, with `$ref`s to its components resolved. */
export function operationsOf(document: unknown): FuzzOperation[] {
  const doc = document as {
    paths?: Record<string, Record<string, unknown>>;
  };
  const resolve = (schema: unknown): Schema => resolveRefs(document, schema);
  const operations: FuzzOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, value] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const operation = value as {
        operationId?: string;
        parameters?: Parameter[];
        requestBody?: { content?: Record<string, { schema?: unknown }> };
      };
      const json = operation.requestBody?.content?.['application/json'];
      operations.push({
        id: operation.operationId ?? `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters: (operation.parameters ?? []).map((p) => ({
          ...p,
          schema: resolve(p.schema ?? {}),
        })),
        ...(json ? { body: resolve(json.schema ?? {}) } : {}),
      });
    }
  }
  return operations;
}

function resolveRefs(document: unknown, schema: unknown, depth = 0): Schema {
  if (depth > 20 || typeof schema !== 'object' || schema === null)
    return (schema ?? {}) as Schema;
  if (Array.isArray(schema))
    return schema.map((s) => resolveRefs(document, s, depth + 1)) as never;
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    let target: unknown = document;
    for (const segment of ref.slice(2).split('/'))
      target = (target as Record<string, unknown>)[
        segment.replace(/~1/g, '/').replace(/~0/g, '~')
      ];
    return resolveRefs(document, target, depth + 1);
  }
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [
      k,
      typeof v === 'object' ? resolveRefs(document, v, depth + 1) : v,
    ]),
  );
}

/** A value the context knows for `name` (or any it knows), picked when generated. */
const known = (ctx: FuzzContext, name?: string): fc.Arbitrary<string> =>
  fc.tuple(fc.nat(), fc.nat(4)).map(([i, elsewhere]) => {
    const named = name === undefined ? [] : ctx.known(name);
    // Mostly a value of its own kind; now and then one that belongs elsewhere.
    const words = named.length > 0 && elsewhere > 0 ? named : ctx.known();
    return words.length === 0 ? '' : words[i % words.length]!;
  });

const typesOf = (schema: Schema): string[] =>
  Array.isArray(schema.type)
    ? (schema.type as string[])
    : typeof schema.type === 'string'
      ? [schema.type]
      : [];

/** A value that `schema` accepts, leaning on the dictionary and odd strings within it. */
export function validValue(
  schema: Schema,
  ctx: FuzzContext,
  name?: string,
): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum) && schema.enum.length > 0)
    return fc.constantFrom(...(schema.enum as unknown[]));
  for (const key of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(schema[key]))
      return fc.oneof(
        ...(schema[key] as Schema[]).map((s) => validValue(s, ctx, name)),
      );
  const types = typesOf(schema);
  if (types.length > 1)
    return fc.oneof(
      ...types.map((type) => validValue({ ...schema, type }, ctx, name)),
    );
  switch (types[0]) {
    case 'string':
      return validString(schema, ctx, name);
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max =
        typeof schema.maximum === 'number' ? schema.maximum : min + 100_000;
      return types[0] === 'integer'
        ? fc.integer({ min, max })
        : fc.double({ min, max, noNaN: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validValue((schema.items ?? {}) as Schema, ctx), {
        maxLength: 3,
      });
    case 'object':
      return validObject(schema, ctx);
    case undefined:
    default:
      // No type, or one these generators do not know: any JSON at all.
      return oddJson;
  }
}

function validString(
  schema: Schema,
  ctx: FuzzContext,
  name?: string,
): fc.Arbitrary<string> {
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength =
    typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  // Cut or padded to the bounds rather than filtered, so that no generator can spin.
  const fit = (s: string) => s.slice(0, maxLength).padEnd(minLength, 'x');
  if (typeof schema.pattern === 'string') {
    const pattern = new RegExp(schema.pattern);
    return fc.oneof(
      known(ctx, name).map((s) => (pattern.test(fit(s)) ? fit(s) : 'key')),
      fc.stringMatching(pattern).map(fit),
    );
  }
  return fc
    .oneof(
      { weight: 3, arbitrary: known(ctx, name) },
      { weight: 2, arbitrary: fc.string({ minLength, maxLength: 30 }) },
      { weight: 2, arbitrary: oddString },
    )
    .map(fit);
}

function validObject(
  schema: Schema,
  ctx: FuzzContext,
): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = Array.isArray(schema.required)
    ? (schema.required as string[])
    : [];
  return fc.record(
    Object.fromEntries(
      Object.entries(properties).map(([k, s]) => [k, validValue(s, ctx, k)]),
    ),
    { requiredKeys: required.filter((k) => k in properties) },
  );
}

/**
 * A value `schema` should refuse, or a near miss of one it accepts: the wrong type, a
 * string past its bounds, a required field dropped, fields it does not know, odd JSON.
 */
export function wrongValue(
  schema: Schema,
  ctx: FuzzContext,
): fc.Arbitrary<unknown> {
  const types = typesOf(schema);
  const misses: fc.Arbitrary<unknown>[] = [oddJson];
  if (types.includes('string')) {
    misses.push(oddString, longString);
    if (typeof schema.maxLength === 'number')
      misses.push(fc.constant('x'.repeat(schema.maxLength + 1)));
  }
  if (types.includes('integer') || types.includes('number'))
    misses.push(
      fc.constantFrom(-1, 0.5, 1e21, Number.MAX_SAFE_INTEGER + 2, -1e308),
      fc.integer(),
    );
  if (types.includes('object')) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    misses.push(
      // One field of a valid object made wrong, or dropped, or a field added.
      fc
        .tuple(
          validObject(schema, ctx),
          fc.constantFrom(...Object.keys(properties), '__extra'),
          fc.oneof(fc.constant(undefined), oddJson),
        )
        .map(([value, key, replacement]) => {
          const copy: Record<string, unknown> = { ...value };
          if (replacement === undefined) delete copy[key];
          else copy[key] = replacement;
          return copy;
        }),
      fc
        .tuple(
          validObject(schema, ctx),
          fc.dictionary(oddString, oddJson, { maxKeys: 3 }),
        )
        .map(([value, extra]) => ({ ...extra, ...value })),
    );
  }
  return fc.oneof(...misses);
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json;charset="utf-8"',
  'application/json; charset=utf-16',
  'application/json; charset=latin1; charset=utf-8',
  'application/json; foo',
  'application/json;;',
  'application/json; charset=',
  'application/json, text/plain',
  'application/vnd.api+json',
  'application/jsonx',
  'text/plain',
  'text/plain; charset=utf-8',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  '*/*',
  'application/*',
  ';;;',
  '',
  ' ',
];

/** The body and its `Content-Type`: JSON of the schema mostly, anything at all sometimes. */
function bodyOf(
  operation: FuzzOperation,
  ctx: FuzzContext,
): fc.Arbitrary<{ body?: Buffer; contentType?: string; chunked: boolean }> {
  const json = (value: unknown) =>
    Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
  const schema = operation.body;
  const bodies: fc.WeightedArbitrary<Buffer | undefined>[] = schema
    ? [
        { weight: 6, arbitrary: validValue(schema, ctx).map(json) },
        { weight: 4, arbitrary: wrongValue(schema, ctx).map(json) },
        { weight: 1, arbitrary: oddBodyBytes },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ]
    : [
        { weight: 8, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: oddJson.map(json) },
        { weight: 1, arbitrary: oddBodyBytes },
      ];
  return fc
    .tuple(
      fc.oneof(...bodies),
      fc.oneof(
        { weight: 12, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
        { weight: 1, arbitrary: oddHeaderValue },
      ),
      fc.boolean(),
      fc.nat(9),
    )
    .map(([body, contentType, chunked, withTypeAnyway]) =>
      body === undefined
        ? // A content type without a body, sometimes.
          withTypeAnyway === 0 && contentType !== undefined
          ? { contentType, chunked: false }
          : { chunked: false }
        : {
            body,
            ...(contentType !== undefined ? { contentType } : {}),
            chunked: chunked && body.length > 0,
          },
    );
}

/**
 * `encodeURIComponent` that takes lone surrogates too, as U+FFFD, the way a client sends
 * them. (The odd pieces hold a surrogate's own UTF-8 bytes percent-encoded, which the raw
 * encoding sends as they are.)
 */
const percentEncode = (value: string): string =>
  encodeURIComponent(
    value.replace(
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      '\ufffd',
    ),
  );

/** How a path parameter is written into the target. */
const ENCODINGS: Record<string, (value: string) => string> = {
  component: percentEncode,
  // As it is where the client allows (`../` stays `../`), percent-encoded elsewhere.
  raw: (value) => value.replace(/[^\x21-\x7e]+/g, percentEncode),
  double: (value) => percentEncode(percentEncode(value)),
  // UTF-8 bytes sent as they are, without percent-encoding.
  bytes: (value) =>
    headerBytes(value)
      .replace(/\s/g, percentEncode)
      .replace(/[^\x21-\xff]/g, ''),
};

function pathParam(
  parameter: Parameter,
  ctx: FuzzContext,
): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.oneof(
        { weight: 4, arbitrary: known(ctx, parameter.name) },
        {
          weight: 2,
          arbitrary: validString(parameter.schema, ctx, parameter.name),
        },
        { weight: 2, arbitrary: oddString },
      ),
      fc.oneof(
        { weight: 6, arbitrary: fc.constant('component') },
        { weight: 1, arbitrary: fc.constantFrom('raw', 'double', 'bytes') },
      ),
    )
    .map(([value, encoding]) => ENCODINGS[encoding]!(value));
}

/** A query or header value for a declared parameter: valid, wrong, or from anywhere. */
function parameterValue(
  parameter: Parameter,
  ctx: FuzzContext,
): fc.Arbitrary<string> {
  const text = (value: unknown) =>
    typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return fc.oneof(
    {
      weight: 4,
      arbitrary: validValue(parameter.schema, ctx, parameter.name).map(text),
    },
    { weight: 1, arbitrary: wrongValue(parameter.schema, ctx).map(text) },
    { weight: 1, arbitrary: known(ctx) },
  );
}

const queryPart = (name: string, value: string, raw: boolean): string =>
  raw
    ? `${ENCODINGS.raw!(name)}=${ENCODINGS.raw!(value)}`
    : `${percentEncode(name)}=${percentEncode(value)}`;

/** The query: declared parameters (absent, valid, wrong, repeated) and some nobody declared. */
function queryOf(
  operation: FuzzOperation,
  ctx: FuzzContext,
): fc.Arbitrary<string> {
  const declared = operation.parameters.filter((p) => p.in === 'query');
  const declaredParts = declared.map((p) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constant<string[]>([]) },
      {
        weight: 4,
        arbitrary: fc
          .tuple(parameterValue(p, ctx), fc.nat(7))
          .map(([v, r]) => [queryPart(p.name, v, r === 0)]),
      },
      {
        weight: 1,
        arbitrary: fc
          .array(parameterValue(p, ctx), { minLength: 2, maxLength: 3 })
          .map((vs) => vs.map((v) => queryPart(p.name, v, false))),
      },
    ),
  );
  const extra = fc.oneof(
    { weight: 6, arbitrary: fc.constant<string[]>([]) },
    {
      weight: 2,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.oneof(
              fc.constantFrom(
                '__proto__',
                'constructor',
                '__proto__[x]',
                'hasOwnProperty',
                'a[]',
                'access_token',
                '',
              ),
              oddString,
            ),
            oddString,
          ),
          { minLength: 1, maxLength: 3 },
        )
        .map((pairs) => pairs.map(([k, v]) => queryPart(k, v, false))),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('&', '&&=&', '=', '%', 'a=%zz', '%ZZ=1', '?', 'a=1;b=2')
        .map((raw) => [raw]),
    },
  );
  return fc
    .tuple(fc.tuple(...declaredParts), extra)
    .map(([parts, more]) => [...parts.flat(), ...more].join('&'));
}

/** Authorization in every shape: right, missing, garbage, another org's, in the query. */
function authOf(ctx: FuzzContext): fc.Arbitrary<{
  header?: string;
  query?: string;
}> {
  return fc.oneof(
    { weight: 14, arbitrary: fc.constant({ header: `Bearer ${ctx.token}` }) },
    { weight: 1, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.constant({ header: `Bearer ${ctx.otherToken}` }),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            'Bearer',
            'Bearer ',
            `bearer ${ctx.token}`,
            `Bearer  ${ctx.token}  `,
            `Bearer ${ctx.token} extra`,
            `Bearer ${ctx.token},Bearer ${ctx.otherToken}`,
            `Basic ${Buffer.from(`${ctx.token}:`).toString('base64')}`,
            `Token ${ctx.token}`,
            ctx.token,
          ),
          oddHeaderValue.map((v) => `Bearer ${v}`),
          oddHeaderValue,
        )
        .map((header) => ({ header })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.constant(ctx.token), oddString)
        .map((token) => ({ query: queryPart('access_token', token, false) })),
    },
  );
}

/** Headers the operation declares (valid, wrong, absent) and some it does not. */
function headersOf(
  operation: FuzzOperation,
  ctx: FuzzContext,
): fc.Arbitrary<Record<string, string>> {
  const declared = operation.parameters.filter((p) => p.in === 'header');
  const declaredPairs = declared.map((p) =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constant<[string, string][]>([]) },
      {
        weight: 3,
        arbitrary: parameterValue(p, ctx).map((v): [string, string][] => [
          [p.name, headerBytes(v)],
        ]),
      },
      {
        weight: 1,
        arbitrary: oddHeaderValue.map((v): [string, string][] => [[p.name, v]]),
      },
    ),
  );
  const stray = fc.oneof(
    { weight: 8, arbitrary: fc.constant<[string, string][]>([]) },
    {
      weight: 2,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.constantFrom(
              'Idempotency-Key',
              'Last-Event-ID',
              'If-None-Match',
              'Accept',
              'Accept-Encoding',
              'Content-Encoding',
              'Expect',
              'X-Forwarded-For',
              'X-Forwarded-Proto',
              'X-HTTP-Method-Override',
              'Origin',
              'Range',
              'Cookie',
            ),
            fc.oneof(
              oddHeaderValue,
              fc.constantFrom(
                '100-continue',
                'gzip',
                'br',
                'text/event-stream',
                '*',
                'bytes=0-1',
                'DELETE',
                '-1',
                '99999999999999999999',
              ),
            ),
          ),
          { minLength: 1, maxLength: 3 },
        )
        .map((pairs) => pairs as [string, string][]),
    },
  );
  return fc
    .tuple(fc.tuple(...declaredPairs), stray)
    .map(([pairs, more]) =>
      Object.fromEntries([...pairs.flat(), ...more] as [string, string][]),
    );
}

const OTHER_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'PROPFIND',
  'QUERY',
  'BREW',
];

/** The method: the operation's, HEAD for a read, or another one. */
function methodOf(operation: FuzzOperation): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 14, arbitrary: fc.constant(operation.method) },
    {
      weight: operation.method === 'GET' ? 2 : 0,
      arbitrary: fc.constant('HEAD'),
    },
    { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) },
  );
}

/** Requests for one operation of the document. */
export function requestsFor(
  operation: FuzzOperation,
  ctx: FuzzContext,
): fc.Arbitrary<FuzzCase> {
  const pathParams = operation.parameters.filter((p) => p.in === 'path');
  return fc
    .record({
      method: methodOf(operation),
      params: fc.tuple(...pathParams.map((p) => pathParam(p, ctx))),
      query: queryOf(operation, ctx),
      auth: authOf(ctx),
      headers: headersOf(operation, ctx),
      body: bodyOf(operation, ctx),
    })
    .map(({ method, params, query, auth, headers, body }) => {
      let target = operation.path;
      pathParams.forEach((p, i) => {
        target = target.replace(`{${p.name}}`, params[i]!);
      });
      const search = [query, auth.query].filter((q) => q).join('&');
      return new FuzzCase(operation.id, {
        method,
        target: search ? `${target}?${search}` : target,
        headers: {
          ...headers,
          ...(auth.header !== undefined
            ? { authorization: headerBytes(auth.header) }
            : {}),
          ...(body.contentType !== undefined
            ? { 'content-type': headerBytes(body.contentType) }
            : {}),
        },
        ...(body.body ? { body: body.body } : {}),
        chunked: body.chunked,
      });
    });
}

/** Targets no operation describes: unknown paths, traversal, encodings, any method. */
export function strayRequests(ctx: FuzzContext): fc.Arbitrary<FuzzCase> {
  const segment = fc.oneof(
    fc.constantFrom(
      'repos',
      'jobs',
      'tasks',
      'events',
      'dashboard',
      'docs',
      'health',
      'metrics',
      'actions',
      'cancel',
      'history',
      '',
      '.',
      '..',
      '%2e%2e',
      '%2f',
      '%00',
      '*',
      ';x',
    ),
    known(ctx).map(percentEncode),
    oddString.map((s) => ENCODINGS.raw!(s)),
  );
  return fc
    .record({
      method: fc.constantFrom(...OTHER_METHODS),
      segments: fc.array(segment, { minLength: 0, maxLength: 5 }),
      form: fc.constantFrom('origin', 'asterisk', 'absolute'),
      auth: authOf(ctx),
    })
    .map(({ method, segments, form, auth }) => {
      const path = `/${segments.join('/')}`;
      const target =
        form === 'asterisk'
          ? '*'
          : form === 'absolute'
            ? `http://stackyard.invalid${path}`
            : path;
      return new FuzzCase('(no operation)', {
        method,
        target:
          auth.query !== undefined && form !== 'asterisk'
            ? `${target}?${auth.query}`
            : target,
        headers:
          auth.header !== undefined
            ? { authorization: headerBytes(auth.header) }
            : {},
      });
    });
}
