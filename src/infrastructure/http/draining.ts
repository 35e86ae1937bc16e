import {
  type CanActivate,
  Injectable,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DomainError } from '../../domain/domain-error';

/**
 * Set when shutdown begins (Nest's first shutdown hook), before any component stops: from
 * then on commands answer 503 while reads keep working until the server closes.
 */
@Injectable()
export class ShutdownState implements OnModuleDestroy {
  draining = false;

  onModuleDestroy(): void {
    this.draining = true;
  }
}

/** Refuses commands while the service drains. */
@Injectable()
export class AcceptingCommandsGuard implements CanActivate {
  constructor(private readonly shutdown: ShutdownState) {}

  canActivate(): boolean {
    if (this.shutdown.draining) {
      throw new DomainError(
        'SERVICE.DRAINING',
        'unavailable',
        'The service is shutting down and accepts no new commands; retry shortly',
      );
    }
    return true;
  }
}
