import {
  Controller,
  Get,
  Headers,
  Inject,
  Optional,
  Param,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, NotFoundError } from '../../domain/domain-error';
import { Public } from '../../infrastructure/auth/public.decorator';
import {
  type DashboardAsset,
  DashboardAssets,
  dashboardDir,
  matchesEtag,
} from './dashboard-assets';

/** Injection token to serve another build (tests); by default `dashboardDir()` is read. */
export const DASHBOARD_ASSETS = Symbol('DASHBOARD_ASSETS');

/**
 * Scripts, styles and API calls from this origin only; nothing inline, no frames. The
 * `data:` image is the page's empty favicon, which spares the browser a 404.
 */
const PAGE_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The dashboard: `GET /` is its page, `GET /dashboard/<file>` its modules and style sheet.
 * Public, like the page shell of any single-page app: the API calls it makes carry the
 * token. `no-cache` with an ETag: a browser revalidates every load (a 304 is cheap) and so
 * never runs modules of two builds together.
 */
@Controller()
@Public()
export class DashboardController {
  private readonly assets: DashboardAssets;

  constructor(@Optional() @Inject(DASHBOARD_ASSETS) assets?: DashboardAssets) {
    this.assets = assets ?? DashboardAssets.load(dashboardDir());
  }

  @Get()
  page(
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    const page = this.assets.built ? this.assets.get('index.html') : undefined;
    if (!page) {
      throw new DomainError(
        'DASHBOARD.NOT_BUILT',
        'unavailable',
        'run npm run build',
      );
    }
    void reply.header('content-security-policy', PAGE_POLICY);
    void reply.header('x-frame-options', 'DENY');
    this.send(reply, page, ifNoneMatch);
  }

  @Get('dashboard/:file')
  file(
    @Param('file') file: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    const asset = file === 'index.html' ? undefined : this.assets.get(file);
    if (!asset) {
      throw new NotFoundError('DASHBOARD.NOT_FOUND', 'No such dashboard file');
    }
    this.send(reply, asset, ifNoneMatch);
  }

  private send(
    reply: FastifyReply,
    asset: DashboardAsset,
    ifNoneMatch: string | undefined,
  ): void {
    void reply
      .header('cache-control', 'no-cache')
      .header('etag', asset.etag)
      .header('x-content-type-options', 'nosniff');
    if (matchesEtag(ifNoneMatch, asset.etag)) {
      void reply.status(304).send();
      return;
    }
    void reply.status(200).type(asset.contentType).send(asset.body);
  }
}
