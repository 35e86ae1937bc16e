import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** The error code of a delivery refused because its host resolved to an internal address. */
export const ADDRESS_NOT_ALLOWED = 'ADDRESS_NOT_ALLOWED';

/**
 * Addresses a delivery never connects to unless the allow-list names the address itself:
 * loopback, link-local (the cloud metadata endpoints among them), private, carrier-grade NAT,
 * unique-local, unspecified, and (BlockList matches them too) their IPv4-mapped IPv6 forms.
 */
const INTERNAL = (() => {
  const list = new BlockList();
  for (const [net, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
  ] as const)
    list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
  ] as const)
    list.addSubnet(net, prefix, 'ipv6');
  return list;
})();

/** Whether `address` (an IP literal) is one a delivery may not reach by a host name. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The IP literals the allow-list names (`10.0.0.5`, `[fd00::1]:8443`), as written by URL. */
export function literalAddresses(allowedHosts: readonly string[]): Set<string> {
  const found = new Set<string>();
  for (const entry of allowedHosts) {
    const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
    const host = v6 ? v6[1]! : entry.replace(/:\d+$/, '');
    if (isIP(host) === 0) continue;
    try {
      const { hostname } = new URL(`http://${v6 ? `[${host}]` : host}/`);
      found.add(hostname.replace(/^\[|\]$/g, ''));
    } catch {
      // Not an address URL writes: nothing to add.
    }
  }
  return found;
}

/**
 * A `lookup` for the sender's agents: it resolves as `dns.lookup` does and refuses (error
 * code `ADDRESS_NOT_ALLOWED`) a host name any of whose addresses is internal and not named by
 * the allow-list itself. The allow-list is checked on names when a subscription is made; this
 * checks where a name leads at each connection, so a name whose DNS points (or is re-pointed)
 * at 127.0.0.1 or 169.254.169.254 reaches neither. (URLs with an IP literal connect without a
 * lookup: the allow-list names those exactly.)
 */
export function guardedLookup(
  allowedHosts: readonly string[],
  resolve: typeof dnsLookup = dnsLookup,
): LookupFunction {
  const named = literalAddresses(allowedHosts);
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const all = addresses;
      const refused = all.find(
        (a) => isInternalAddress(a.address) && !named.has(a.address),
      );
      if (refused || all.length === 0) {
        const denied = Object.assign(
          new Error(
            `${hostname} resolves to ${refused?.address ?? 'nothing'}, an address deliveries may not reach`,
          ),
          { code: ADDRESS_NOT_ALLOWED },
        );
        return callback(denied, '', 0);
      }
      if (options.all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(
          null,
          all,
        );
      const first = all[0]!;
      callback(null, first.address, first.family);
    });
  };
}
