import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  INTERNAL_ERROR,
  jsonResponse,
} from '../../infrastructure/http/api-responses.openapi';

/** `GET /docs`, as the API document describes it (itself). */
export const docsRoutes: RouteConfig[] = [
  {
    method: 'get',
    path: '/docs',
    operationId: 'getApiDocument',
    tags: ['operations'],
    summary: 'This OpenAPI document',
    security: [],
    responses: {
      200: jsonResponse(
        'The OpenAPI 3.1 document.',
        z.looseObject({ openapi: z.string(), paths: z.looseObject({}) }),
      ),
      500: INTERNAL_ERROR,
    },
  },
];
