import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  INTERNAL_ERROR,
  jsonResponse,
} from '../../infrastructure/http/api-responses.openapi';
import { MAX_READY_LAG } from './health.controller';
import { HealthResource } from './health.resource';

/** `GET /health`, as the API document describes it. */
export const healthRoutes: RouteConfig[] = [
  {
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    tags: ['operations'],
    summary: 'Readiness',
    security: [],
    responses: {
      200: jsonResponse(
        `Ready: the store takes writes and the read models trail it by at most ${MAX_READY_LAG} events.`,
        HealthResource,
      ),
      503: jsonResponse(
        'Not ready: the store cannot record events (`eventStore: "unavailable"`, `eventStoreError`; commands answer 503 `STORE.UNAVAILABLE` meanwhile), the read models trail the store too far, or the projector stopped (`projections.error`). It turns ready by itself once writes succeed again.',
        HealthResource,
      ),
      500: INTERNAL_ERROR,
    },
  },
];
