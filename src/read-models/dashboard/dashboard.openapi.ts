import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  errorResponse,
  INTERNAL_ERROR,
} from '../../infrastructure/http/api-responses.openapi';

const Revalidation = z.object({
  'If-None-Match': z.string().optional().meta({
    description:
      'The ETag of the copy the browser has: 304 when it is current.',
  }),
});

const NOT_MODIFIED = { description: 'The copy the browser has is current.' };
const text = { schema: { type: 'string' as const } };

/** The routes of `DashboardController`, as the API document describes them. */
export const dashboardRoutes: RouteConfig[] = [
  {
    method: 'get',
    path: '/',
    operationId: 'getDashboard',
    tags: ['dashboard'],
    summary: 'The live dashboard page',
    description:
      'Public, like any app shell: the API calls it makes carry the token.',
    security: [],
    request: { headers: Revalidation },
    responses: {
      200: { description: 'The page.', content: { 'text/html': text } },
      304: NOT_MODIFIED,
      500: INTERNAL_ERROR,
      503: errorResponse(
        '`DASHBOARD.NOT_BUILT`: the service runs without a dashboard build.',
      ),
    },
  },
  {
    method: 'get',
    path: '/dashboard/{file}',
    operationId: 'getDashboardFile',
    tags: ['dashboard'],
    summary: "One of the dashboard's modules, style sheets or source maps",
    security: [],
    request: {
      params: z.object({
        file: z.string().meta({ description: 'A plain file name.' }),
      }),
      headers: Revalidation,
    },
    responses: {
      200: {
        description: 'The file.',
        content: {
          'text/javascript': text,
          'text/css': text,
          'application/json': {
            schema: z.looseObject({}).meta({ description: 'A source map.' }),
          },
        },
      },
      304: NOT_MODIFIED,
      404: errorResponse(
        '`DASHBOARD.NOT_FOUND`: no such file in the dashboard build.',
      ),
      500: INTERNAL_ERROR,
    },
  },
];
