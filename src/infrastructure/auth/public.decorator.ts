import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'stackyard:public';

/** Marks a route that needs no token (health, metrics, docs, the dashboard shell). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
