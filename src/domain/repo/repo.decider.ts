import { ConflictError, NotFoundError, ValidationError } from '../domain-error';
import type {
  RepoAutoRestackSet,
  RepoEvent,
  RepoRegistered,
  RepoWebhookSecretRemoved,
  RepoWebhookSecretSet,
} from '../events/repo.events';
import type { Command } from '../message';
import type { DecisionModel, Decider } from '../decider';
import { REPO_EVENTS } from '../events/stackyard-event';
import { assertBranchName } from '../stack/branch-name';
import type { Stack } from '../stack/stack';
import { emptyStack, evolveStack } from '../stack/stack.evolve';
import { assertRemoteUrl } from './remote-url';

export const MAX_REPO_NAME_LENGTH = 100;

/** Register a repo; with `sealedSecret`, its webhook secret (sealed by the handler) too. */
export type RegisterRepo = Command<
  'RegisterRepo',
  RepoRegistered['data'] & { sealedSecret?: string }
>;
/** Set or replace the repo's webhook secret (`sealedSecret` undefined removes it). */
export type SetWebhookSecret = Command<
  'SetWebhookSecret',
  { orgId: string; repoId: string; sealedSecret: string | undefined }
>;
export type SetAutoRestack = Command<
  'SetAutoRestack',
  { orgId: string; repoId: string; autoRestack: boolean }
>;
export type RepoCommand = RegisterRepo | SetWebhookSecret | SetAutoRestack;

/** A repository as its stream says: who owns it, where it lives, its stack and settings. */
export interface RepoState {
  registered: RepoRegistered['data'] | undefined;
  stack: Stack;
  /** The webhook secret, sealed; undefined when the repo has none (its hooks are refused). */
  sealedSecret: string | undefined;
  autoRestack: boolean;
  /** Each branch's head as Stackyard itself last published it (its last restack's `toSha`). */
  publishedHeads: ReadonlyMap<string, string>;
}

export const initialRepoState = (): RepoState => ({
  registered: undefined,
  stack: emptyStack(),
  sealedSecret: undefined,
  autoRestack: false,
  publishedHeads: new Map(),
});

export function evolveRepo(state: RepoState, event: RepoEvent): RepoState {
  const stack = evolveStack(state.stack, event);
  const next = stack === state.stack ? state : { ...state, stack };
  switch (event.type) {
    case 'RepoRegistered':
      return { ...next, registered: event.data };
    case 'RepoWebhookSecretSet':
      return { ...next, sealedSecret: event.data.sealedSecret };
    case 'RepoWebhookSecretRemoved':
      return { ...next, sealedSecret: undefined };
    case 'RepoAutoRestackSet':
      return { ...next, autoRestack: event.data.autoRestack };
    case 'BranchRestacked':
      return {
        ...next,
        publishedHeads: new Map(next.publishedHeads).set(
          event.data.branch,
          event.data.toSha,
        ),
      };
    case 'BranchUntracked': {
      const heads = new Map(next.publishedHeads);
      heads.delete(event.data.branch);
      return { ...next, publishedHeads: heads };
    }
    case 'BranchTracked':
    case 'BranchReparented':
    case 'RepoBranchesObserved':
      return next;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
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

export const repoDecider: Decider<RepoState, RepoCommand, RepoEvent> = {
  initialState: initialRepoState,
  evolve: evolveRepo,
  decide(command, state) {
    switch (command.type) {
      case 'RegisterRepo':
        return decideRegister(command, state);
      case 'SetWebhookSecret': {
        requireRepoOf(state, command.data);
        const { sealedSecret } = command.data;
        if (sealedSecret === undefined) {
          if (state.sealedSecret === undefined) return [];
          const removed: RepoWebhookSecretRemoved = {
            type: 'RepoWebhookSecretRemoved',
            data: {},
          };
          return [removed];
        }
        // Sealed values differ each time: a secret set again is recorded again.
        const set: RepoWebhookSecretSet = {
          type: 'RepoWebhookSecretSet',
          data: { sealedSecret },
        };
        return [set];
      }
      case 'SetAutoRestack': {
        requireRepoOf(state, command.data);
        if (state.autoRestack === command.data.autoRestack) return [];
        const set: RepoAutoRestackSet = {
          type: 'RepoAutoRestackSet',
          data: { autoRestack: command.data.autoRestack },
        };
        return [set];
      }
    }
  },
};

/** Another org's repo is not found, exactly as one that does not exist. */
function requireRepoOf(
  state: RepoState,
  ids: { orgId: string; repoId: string },
): void {
  if (state.registered?.orgId !== ids.orgId)
    throw new NotFoundError('REPO.NOT_FOUND', `No repository ${ids.repoId}`);
}

function decideRegister(command: RegisterRepo, state: RepoState): RepoEvent[] {
  const { sealedSecret, ...registration } = command.data;
  const { name, remoteUrl, trunk } = registration;
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
    data: registration,
  };
  if (sealedSecret === undefined) return [registered];
  const secret: RepoWebhookSecretSet = {
    type: 'RepoWebhookSecretSet',
    data: { sealedSecret },
  };
  return [registered, secret];
}

/** The repo decider with the events of its stream, for command handlers. */
export const repoModel: DecisionModel<
  RepoState,
  RepoCommand,
  RepoEvent['type']
> = { decider: repoDecider, kind: REPO_EVENTS };
