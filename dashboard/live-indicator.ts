import { combineLive, type LiveState } from './live-state.js';

/** What the header says: the streams' state, or that a token is needed first. */
export type IndicatorState = LiveState | 'locked';

/** The header's indicator, fed by each stream under its own name. */
export class LiveIndicator {
  private readonly states = new Map<string, LiveState>();
  private locked = false;

  constructor(private readonly element: HTMLElement) {}

  /** The state of stream `name`; undefined when it is closed for good. */
  set(name: string, state: LiveState | undefined): void {
    if (state === undefined) this.states.delete(name);
    else this.states.set(name, state);
    this.render();
  }

  /** Whether the streams wait for a token (auth is on and none was accepted). */
  lock(locked: boolean): void {
    this.locked = locked;
    this.render();
  }

  private render(): void {
    const state: IndicatorState = this.locked
      ? 'locked'
      : combineLive([...this.states.values()]);
    this.element.textContent = state === 'locked' ? 'token needed' : state;
    this.element.dataset.state = state;
  }
}
