import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { apiDocument } from './api-document';
import { CancelJobController } from './commands/cancel-job/cancel-job.controller';
import { CancelJobHandler } from './commands/cancel-job/cancel-job.handler';
import { UndoJobController } from './commands/undo-job/undo-job.controller';
import { UndoJobHandler } from './commands/undo-job/undo-job.handler';
import { CreateTaskController } from './commands/create-task/create-task.controller';
import { CreateTaskHandler } from './commands/create-task/create-task.handler';
import { CreateSubscriptionController } from './commands/create-subscription/create-subscription.controller';
import { CreateSubscriptionHandler } from './commands/create-subscription/create-subscription.handler';
import { DeleteSubscriptionController } from './commands/delete-subscription/delete-subscription.controller';
import { DeleteSubscriptionHandler } from './commands/delete-subscription/delete-subscription.handler';
import { ResumeSubscriptionController } from './commands/resume-subscription/resume-subscription.controller';
import { ResumeSubscriptionHandler } from './commands/resume-subscription/resume-subscription.handler';
import { RegisterRepoController } from './commands/register-repo/register-repo.controller';
import { RegisterRepoHandler } from './commands/register-repo/register-repo.handler';
import { RequestJobController } from './commands/request-job/request-job.controller';
import { RequestJobSyncController } from './commands/request-job/request-job-sync.controller';
import { RequestJobHandler } from './commands/request-job/request-job.handler';
import { ReceiveHookController } from './commands/receive-hook/receive-hook.controller';
import { ReceiveHookHandler } from './commands/receive-hook/receive-hook.handler';
import { SetRepoSettingsController } from './commands/set-repo-settings/set-repo-settings.controller';
import { SetRepoSettingsHandler } from './commands/set-repo-settings/set-repo-settings.handler';
import { SetWebhookSecretController } from './commands/set-webhook-secret/set-webhook-secret.controller';
import { SetWebhookSecretHandler } from './commands/set-webhook-secret/set-webhook-secret.handler';
import { CLOCK, systemClock } from './infrastructure/clock/clock';
import { AuthGuard } from './infrastructure/auth/auth.guard';
import { APP_CONFIG, type AppConfig } from './infrastructure/config/app-config';
import { SECRET_BOX, secretBoxFor } from './infrastructure/secrets/secret-box';
import { EVENT_STORE } from './infrastructure/event-store/event-store.port';
import {
  AcceptingCommandsGuard,
  ShutdownState,
} from './infrastructure/http/draining';
import { HttpErrorFilter } from './infrastructure/http/http-error.filter';
import { MetricsController } from './read-models/metrics/metrics.controller';
import { MetricsService } from './infrastructure/metrics/metrics.service';
import type { Storage } from './infrastructure/storage/storage';
import { StorageModule } from './infrastructure/storage/storage.module';
import { ProjectionRunnerService } from './projections/projection-runner.service';
import { DashboardController } from './read-models/dashboard/dashboard.controller';
import { API_DOCUMENT } from './read-models/docs/api-document.token';
import { DocsController } from './read-models/docs/docs.controller';
import {
  EventsController,
  SseStreams,
} from './read-models/events/events.controller';
import { HealthController } from './read-models/health/health.controller';
import {
  INSTANCE_JOBS,
  type InstanceJobs,
} from './read-models/health/instance-jobs.port';
import {
  STORE_ENGINE,
  storeEngineOf,
} from './read-models/health/store-engine.port';
import { HistoryQueries } from './read-models/history/history.queries';
import { JobController } from './read-models/job/job.controller';
import { JobQueries } from './read-models/job/job.queries';
import { RepoController } from './read-models/repo/repo.controller';
import { RepoQueries } from './read-models/repo/repo.queries';
import { RepoDirectory } from './infrastructure/repo-directory/repo-directory';
import { READ_MODEL_PROGRESS } from './read-models/read-model-progress.port';
import { TaskController } from './read-models/task/task.controller';
import { TaskQueries } from './read-models/task/task.queries';
import { JobRunnerService } from './sagas/job-runner/job-runner.service';
import { HookReservationsService } from './sagas/hook-reservations.service';
import { TaskAttachService } from './sagas/task-attach.service';
import { WebhookDeliveryService } from './sagas/webhooks/webhook-delivery.service';
import { SubscriptionController } from './read-models/subscription/subscription.controller';
import { SubscriptionQueries } from './read-models/subscription/subscription.queries';
import { DELIVERY_LOG } from './infrastructure/webhooks/delivery-log.port';
import { SqlDeliveryLog } from './infrastructure/read-model-db/sql-delivery-log';
import {
  COMMAND_LOAD,
  ServerCommandLoad,
} from './infrastructure/http/command-load';
import { DataSource } from 'typeorm';

const COMMAND_HANDLERS = [
  RegisterRepoHandler,
  RequestJobHandler,
  CancelJobHandler,
  UndoJobHandler,
  CreateTaskHandler,
  SetWebhookSecretHandler,
  SetRepoSettingsHandler,
  ReceiveHookHandler,
  CreateSubscriptionHandler,
  DeleteSubscriptionHandler,
  ResumeSubscriptionHandler,
];
const QUERIES = [
  RepoDirectory,
  RepoQueries,
  JobQueries,
  HistoryQueries,
  TaskQueries,
  SubscriptionQueries,
];

@Module({})
export class AppModule {
  /** The whole service over storage that is already open (see `openStorage`). */
  static forRoot(config: AppConfig, storage: Storage): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot(), StorageModule.forRoot(config, storage)],
      controllers: [
        RegisterRepoController,
        RequestJobController,
        CancelJobController,
        UndoJobController,
        CreateTaskController,
        SetWebhookSecretController,
        SetRepoSettingsController,
        ReceiveHookController,
        CreateSubscriptionController,
        DeleteSubscriptionController,
        ResumeSubscriptionController,
        RepoController,
        JobController,
        TaskController,
        SubscriptionController,
        EventsController,
        HealthController,
        MetricsController,
        DocsController,
        DashboardController,
        ...(config.benchRoutes ? [RequestJobSyncController] : []),
      ],
      providers: [
        ...COMMAND_HANDLERS,
        ...QUERIES,
        ProjectionRunnerService,
        { provide: READ_MODEL_PROGRESS, useExisting: ProjectionRunnerService },
        { provide: CLOCK, useValue: systemClock },
        {
          provide: SECRET_BOX,
          useFactory: secretBoxFor,
          inject: [APP_CONFIG],
        },
        JobRunnerService,
        // The read side's view of the runner and the store, bound here so that neither
        // side imports the other.
        {
          provide: INSTANCE_JOBS,
          useFactory: (runner: JobRunnerService): InstanceJobs => runner,
          inject: [JobRunnerService],
        },
        {
          provide: STORE_ENGINE,
          useFactory: storeEngineOf,
          inject: [EVENT_STORE],
        },
        TaskAttachService,
        HookReservationsService,
        {
          provide: DELIVERY_LOG,
          useFactory: (db: DataSource) => new SqlDeliveryLog(db),
          inject: [DataSource],
        },
        ServerCommandLoad,
        { provide: COMMAND_LOAD, useExisting: ServerCommandLoad },
        WebhookDeliveryService,
        MetricsService,
        ShutdownState,
        AcceptingCommandsGuard,
        SseStreams,
        { provide: APP_GUARD, useClass: AuthGuard },
        // Counts the commands in flight once the auth guard has let them through (global
        // guards run in the order they are provided).
        { provide: APP_GUARD, useExisting: ServerCommandLoad },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        { provide: API_DOCUMENT, useFactory: apiDocument },
      ],
    };
  }
}
