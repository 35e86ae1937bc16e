import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { AppConfig } from './infrastructure/config/app-config';
import { HttpErrorFilter } from './infrastructure/http/http-error.filter';
import type { Storage } from './infrastructure/storage/storage';
import { StorageModule } from './infrastructure/storage/storage.module';
import { ProjectionRunnerService } from './projections/projection-runner.service';
import { HealthController } from './read-models/health/health.controller';

@Module({})
export class AppModule {
  /** The whole service over storage that is already open (see `openStorage`). */
  static forRoot(config: AppConfig, storage: Storage): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot(), StorageModule.forRoot(config, storage)],
      controllers: [HealthController],
      providers: [
        ProjectionRunnerService,
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
