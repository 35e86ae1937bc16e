import { h } from './dom.js';
import type { Repo } from './types.js';

/**
 * The repo's forge hooks in one line: whether it has a webhook secret (never the secret),
 * `autoRestack`, and the last delivery received with what came of it.
 */
export function hooksLine(repo: Repo): Array<Node | string> {
  const last = repo.lastWebhook ?? null;
  return [
    'Webhook secret: ',
    h(
      'strong',
      { 'data-testid': 'webhook-secret' },
      repo.webhookSecretSet ? 'set' : 'not set',
    ),
    ' · Auto-restack: ',
    h(
      'strong',
      { 'data-testid': 'auto-restack' },
      repo.autoRestack ? 'on' : 'off',
    ),
    ' · Last delivery: ',
    last
      ? h(
          'span',
          {
            'data-testid': 'last-webhook',
            title: `delivery ${last.deliveryId}`,
          },
          `${last.event} → ${last.outcome.replace(/_/g, ' ')}, ${new Date(last.receivedAt).toLocaleString()}`,
        )
      : h('span', { 'data-testid': 'last-webhook' }, 'none'),
  ];
}
