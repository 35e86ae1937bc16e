import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { INTERNAL_ERROR } from '../../infrastructure/http/api-responses.openapi';

/** `GET /metrics`, as the API document describes it. */
export const metricsRoutes: RouteConfig[] = [
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tags: ['operations'],
    summary: 'Prometheus metrics',
    security: [],
    responses: {
      200: {
        description: 'The Prometheus text format.',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
      500: INTERNAL_ERROR,
    },
  },
];
