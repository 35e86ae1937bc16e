/**
 * Whether a consumer rests before its next delivery. While commands are waiting (`busy`),
 * deliveries give way to them, but at most every other one: under a load that does not end,
 * a subscription still delivers at least half as fast as its receiver answers plus one rest
 * per two, instead of one event per rest.
 */
export function restBeforeDelivery(
  busy: boolean,
  restedLast: boolean,
): boolean {
  return busy && !restedLast;
}
