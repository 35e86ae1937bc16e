import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import {
  EVENT_STORE,
  type EventStore,
  STORE_WRITE_HEALTH,
} from '../event-store/event-store.port';
import { FOLLOWER_CHECKPOINTS } from '../checkpoints/follower-checkpoints.port';
import { SqlFollowerCheckpoints } from '../read-model-db/sql-follower-checkpoints';
import { SHARED_LEASES, type SharedLeases, type Storage } from './storage';

/**
 * Closes the read models and then the event store, in Nest's last shutdown phase: every
 * component that writes (projection runner, job runner) stops in an earlier phase, so no
 * step ever meets a closed database.
 */
@Injectable()
class StorageCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('Storage');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly readModels: DataSource,
    @Inject(SHARED_LEASES) private readonly leases: SharedLeases | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.readModels.isInitialized) await this.readModels.destroy();
    await this.leases?.close();
    await this.store.close();
    this.logger.log('storage closed');
  }
}

/** Makes the opened storage and the configuration injectable everywhere. */
@Global()
@Module({})
export class StorageModule {
  static forRoot(config: AppConfig, storage: Storage): DynamicModule {
    return {
      module: StorageModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: EVENT_STORE, useValue: storage.store },
        { provide: STORE_WRITE_HEALTH, useValue: storage.store },
        { provide: DataSource, useValue: storage.readModels },
        { provide: SHARED_LEASES, useValue: storage.leases ?? null },
        {
          provide: FOLLOWER_CHECKPOINTS,
          useValue: new SqlFollowerCheckpoints(storage.readModels),
        },
        StorageCloser,
      ],
      exports: [
        APP_CONFIG,
        EVENT_STORE,
        STORE_WRITE_HEALTH,
        DataSource,
        SHARED_LEASES,
        FOLLOWER_CHECKPOINTS,
      ],
    };
  }
}
