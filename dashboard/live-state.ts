/** A live stream's state, as the header shows it. */
export type LiveState = 'connecting' | 'live' | 'reconnecting';

/**
 * One state for the streams the page holds open (the repo list's, the shown page's):
 * reconnecting when any lost the service, connecting until all are up, then live. With no
 * stream yet the page is still connecting: nothing shows "offline" while the service is up.
 */
export function combineLive(states: readonly LiveState[]): LiveState {
  if (states.includes('reconnecting')) return 'reconnecting';
  if (states.length === 0 || states.includes('connecting')) return 'connecting';
  return 'live';
}
