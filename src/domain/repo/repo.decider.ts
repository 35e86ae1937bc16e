import { ConflictError, ValidationError } from '../domain-error';
import type { RepoEvent, RepoRegistered } from '../events/repo.events';
import type { Command } from '../message';
import type { DecisionModel, Decider } from '../decider';
import { REPO_EVENTS } from '../events/stackyard-event';
import { assertBranchName } from '../stack/branch-name';
import type { Stack } from '../stack/stack';
import { emptyStack, evolveStack } from '../stack/stack.evolve';
import { assertRemoteUrl } from './remote-url';

export const MAX_REPO_NAME_LENGTH = 100;

export type RegisterRepo = Command<'RegisterRepo', RepoRegistered['data']>;

/** A repository as its stream says: who owns it, where it lives, and its stack. */
export interface RepoState {
  registered: RepoRegistered['data'] | undefined;
  stack: Stack;
}

export const initialRepoState = (): RepoState => ({
  registered: undefined,
  stack: emptyStack(),
});

export function evolveRepo(state: RepoState, event: RepoEvent): RepoState {
  const stack = evolveStack(state.stack, event);
  return event.type === 'RepoRegistered'
    ? { registered: event.data, stack }
    : stack === state.stack
      ? state
      : { ...state, stack };
}

function assertRepoName(name: string): void {
  const trimmed = name.trim();
  if (
    trimmed.length === 0 ||
    trimmed !== name ||
    name.length > MAX_REPO_NAME_LENGTH ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/.test(name)
  ) {
    throw new ValidationError(
      'REPO.INVALID_NAME',
      `name must be 1 to ${MAX_REPO_NAME_LENGTH} printable characters without surrounding spaces`,
    );
  }
}

export const repoDecider: Decider<RepoState, RegisterRepo, RepoEvent> = {
  initialState: initialRepoState,
  evolve: evolveRepo,
  decide(command, state) {
    const { name, remoteUrl, trunk } = command.data;
    assertRepoName(name);
    assertRemoteUrl(remoteUrl);
    assertBranchName(trunk, 'trunk');
    if (state.registered) {
      throw new ConflictError(
        'REPO.ALREADY_REGISTERED',
        `A repository named ${JSON.stringify(name)} is already registered`,
        { repoId: state.registered.repoId },
      );
    }
    const registered: RepoRegistered = {
      type: 'RepoRegistered',
      data: command.data,
    };
    return [registered];
  },
};

/** The repo decider with the events of its stream, for command handlers. */
export const repoModel: DecisionModel<
  RepoState,
  RegisterRepo,
  RepoEvent['type']
> = { decider: repoDecider, kind: REPO_EVENTS };
