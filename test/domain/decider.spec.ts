import { type Decider, foldEvents } from '../../src/domain/decider';
import { ConflictError } from '../../src/domain/domain-error';
import type { Command, Event } from '../../src/domain/message';

// A toy decider: the shape every decider of the domain follows.
type Opened = Event<'Opened', { by: string }>;
type Closed = Event<'Closed', { reason: string }>;
type DoorEvent = Opened | Closed;
type Open = Command<'Open', { by: string }>;
type DoorCommand = Open;
type Door = { open: boolean; openedBy: string | null };

const door: Decider<Door, DoorCommand, DoorEvent> = {
  initialState: () => ({ open: false, openedBy: null }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'Opened':
        return { open: true, openedBy: event.data.by };
      case 'Closed':
        return { open: false, openedBy: null };
      default: {
        const _exhaustive: never = event;
        return state;
      }
    }
  },
  decide: (command, state) => {
    if (state.open)
      throw new ConflictError('DOOR.ALREADY_OPEN', 'The door is open');
    return [{ type: 'Opened', data: { by: command.data.by } }];
  },
};

describe('Decider', () => {
  it('given no events, when opening, then the door opens', () => {
    const state = foldEvents(door, []);
    expect(door.decide({ type: 'Open', data: { by: 'ann' } }, state)).toEqual([
      { type: 'Opened', data: { by: 'ann' } },
    ]);
  });

  it('given an open door, when opening, then a coded conflict is raised', () => {
    const state = foldEvents(door, [{ type: 'Opened', data: { by: 'ann' } }]);
    expect(() =>
      door.decide({ type: 'Open', data: { by: 'bob' } }, state),
    ).toThrow(
      expect.objectContaining({
        code: 'DOOR.ALREADY_OPEN',
        kind: 'conflict',
      }) as Error,
    );
  });

  it('folds events in order onto the initial state', () => {
    expect(
      foldEvents(door, [
        { type: 'Opened', data: { by: 'ann' } },
        { type: 'Closed', data: { reason: 'draught' } },
        { type: 'Opened', data: { by: 'bob' } },
      ]),
    ).toEqual({ open: true, openedBy: 'bob' });
  });
});
