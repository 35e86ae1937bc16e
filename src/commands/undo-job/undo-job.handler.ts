import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import { readUndoTarget } from '../../infrastructure/event-store/undo-target.reader';
import {
  RequestJobCommand,
  type RequestJobResult,
} from '../request-job/request-job.command';
import { UndoJobCommand } from './undo-job.command';

/**
 * Accepts an undo: checks from the history that the job is the caller's (`JOB.NOT_FOUND`),
 * completed (`UNDO.JOB_NOT_COMPLETED`) and changed something (`UNDO.NOTHING_TO_UNDO`), then
 * queues an `undo` job on its repo as any job is queued. Whether the branches are still as
 * the job left them is the undo job's to find out, after it fetched: it runs no git here.
 */
@CommandHandler(UndoJobCommand)
export class UndoJobHandler implements ICommandHandler<UndoJobCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly commands: CommandBus,
  ) {}

  async execute({
    orgId,
    jobId,
    idempotencyKey,
    requestId,
  }: UndoJobCommand): Promise<RequestJobResult> {
    const { repoId } = await readUndoTarget(this.store, jobId, orgId);
    return this.commands.execute(
      new RequestJobCommand(
        orgId,
        repoId,
        { action: 'undo', undoOf: jobId },
        idempotencyKey,
        requestId,
      ),
    );
  }
}
