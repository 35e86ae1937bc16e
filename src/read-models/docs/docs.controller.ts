import { Controller, Get, Inject } from '@nestjs/common';
import { Public } from '../../infrastructure/auth/public.decorator';
import { API_DOCUMENT, type ApiDocument } from './api-document.token';

@Controller('docs')
export class DocsController {
  constructor(@Inject(API_DOCUMENT) private readonly document: ApiDocument) {}

  /** The OpenAPI document (JSON). */
  @Get()
  @Public()
  docs(): ApiDocument {
    return this.document;
  }
}
