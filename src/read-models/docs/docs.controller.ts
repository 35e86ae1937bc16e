import { Controller, Get } from '@nestjs/common';
import { Public } from '../../infrastructure/auth/public.decorator';
import { openApiDocument } from './openapi';

@Controller('docs')
export class DocsController {
  private readonly document = openApiDocument();

  /** The OpenAPI document (JSON). */
  @Get()
  @Public()
  docs(): object {
    return this.document;
  }
}
