import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  INTERNAL_ERROR,
  jsonResponse,
} from '../../infrastructure/http/api-responses.openapi';
import { MAX_READY_LAG } from './health.controller';
import {
  HealthResource,
  LivenessResource,
  ReadinessResource,
} from './health.resource';

/** `GET /health`, `/health/live` and `/health/ready`, as the API document describes them. */
export const healthRoutes: RouteConfig[] = [
  {
    method: 'get',
    path: '/health/live',
    operationId: 'getLiveness',
    tags: ['operations'],
    summary: 'Liveness',
    description:
      'Answers while the process serves HTTP, and checks nothing else: a store that takes no writes or read models behind make an instance not ready, not dead.',
    security: [],
    responses: {
      200: jsonResponse('The process serves HTTP.', LivenessResource),
      500: INTERNAL_ERROR,
    },
  },
  {
    method: 'get',
    path: '/health/ready',
    operationId: 'getReadiness',
    tags: ['operations'],
    summary: 'Readiness',
    description:
      "Whether a balancer should send this instance requests, with the instance's id, its store engine, its projection lag and the jobs its runner holds.",
    security: [],
    responses: {
      200: jsonResponse(
        `Ready: the store takes writes, the read models trail it by at most ${MAX_READY_LAG} events, and the instance is not shutting down.`,
        ReadinessResource,
      ),
      503: jsonResponse(
        'Not ready; `reasons` says why: the store cannot record events (`store.error`; commands answer 503 `STORE.UNAVAILABLE` meanwhile), the projector stopped (`projections.error`), the read models trail the store too far, or the instance is draining. It turns ready by itself once the cause passes.',
        ReadinessResource,
      ),
      500: INTERNAL_ERROR,
    },
  },
  {
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    tags: ['operations'],
    summary: 'Readiness, in its first shape',
    description:
      'The same 200 or 503 as `GET /health/ready`, in the shape this route has always had.',
    security: [],
    responses: {
      200: jsonResponse(
        `Ready: the store takes writes and the read models trail it by at most ${MAX_READY_LAG} events.`,
        HealthResource,
      ),
      503: jsonResponse(
        'Not ready: the store cannot record events (`eventStore: "unavailable"`, `eventStoreError`; commands answer 503 `STORE.UNAVAILABLE` meanwhile), the read models trail the store too far, the projector stopped (`projections.error`), or the instance is draining. It turns ready by itself once writes succeed again.',
        HealthResource,
      ),
      500: INTERNAL_ERROR,
    },
  },
];
