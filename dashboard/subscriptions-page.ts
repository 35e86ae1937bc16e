import { eventsUrl, get, post, seg } from './api.js';
import { SUBSCRIPTION_EVENTS } from './catalogue.js';
import { Coalescer } from './coalesce.js';
import { badge, clock, h } from './dom.js';
import { LiveStream } from './live.js';
import type { PageHost } from './repo-page.js';

/** A subscription as `GET /subscriptions` answers it (the fields this page shows). */
export interface Subscription {
  subscriptionId: string;
  url: string;
  repoId: string | null;
  eventTypes: string[] | null;
  state: 'active' | 'paused' | 'deleted';
  pausedReason: string | null;
  checkpoint: { position: number; lag: number };
  failingSince: string | null;
  lastDelivery: Delivery | null;
}

/** One delivery attempt, as `GET /subscriptions/:id/deliveries` lists it. */
export interface Delivery {
  eventId: string;
  position: number;
  eventType: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
  at: string;
}

/** Recent attempts shown per subscription. */
const RECENT = 5;

/** An attempt in a few words: its status or why none came. */
export const outcomeOf = (d: Delivery): string =>
  d.statusCode !== null ? `HTTP ${d.statusCode}` : (d.error ?? 'failed');

/**
 * The org's page (`#/subscriptions`): its outbound webhooks with their state, where delivery
 * stands and the newest attempts, a Resume button on a paused one. It follows the org's
 * stream for the subscriptions' own events (created, paused, resumed, deleted); attempts are
 * not events, so Refresh reads them again.
 */
export class SubscriptionsPage {
  readonly element = h('section', { 'data-testid': 'subscriptions-page' });
  private readonly list = h('div', { 'data-testid': 'subscriptions' });
  private readonly reads: Coalescer;
  private live: LiveStream | undefined;
  private disposed = false;

  constructor(private readonly host: PageHost) {
    this.reads = new Coalescer((error) => this.host.report(error));
    this.element.append(
      h('h2', {}, 'Outbound webhooks'),
      h(
        'p',
        { class: 'muted' },
        'Subscriptions of this org: every event is POSTed to the URL, signed, in order, at least once. ',
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'subscriptions-refresh',
            onclick: () => this.load(undefined),
          },
          'Refresh',
        ),
      ),
      this.list,
    );
  }

  start(): Promise<void> {
    this.load(undefined);
    this.live = new LiveStream(
      {
        url: (lastEventId) => eventsUrl('org', lastEventId),
        types: SUBSCRIPTION_EVENTS.types,
        onEvent: (event) => this.load(event.position),
        onState: (state) => this.host.live(state),
        onReconnected: () => this.load(undefined),
      },
      undefined,
    );
    this.live.start();
    return Promise.resolve();
  }

  dispose(): void {
    this.disposed = true;
    this.live?.stop();
  }

  private load(minPosition: number | undefined): void {
    this.reads.request('subscriptions', minPosition, async (at) => {
      const { items } = await get<{ items: Subscription[] }>('/subscriptions', {
        minPosition: at,
      });
      const recent = await Promise.all(
        items.map(async (s) =>
          s.state === 'deleted'
            ? []
            : (
                await get<{ items: Delivery[] }>(
                  `/subscriptions/${seg(s.subscriptionId)}/deliveries`,
                  { limit: RECENT },
                )
              ).items,
        ),
      );
      if (this.disposed) return;
      this.render(items, recent);
    });
  }

  private render(items: Subscription[], recent: Delivery[][]): void {
    if (items.length === 0) {
      this.list.replaceChildren(
        h(
          'p',
          { class: 'muted' },
          'No subscription yet (POST /subscriptions).',
        ),
      );
      return;
    }
    this.list.replaceChildren(
      ...items.map((s, i) => this.card(s, recent[i] ?? [])),
    );
  }

  private card(s: Subscription, deliveries: Delivery[]): HTMLElement {
    const resume =
      s.state === 'paused'
        ? h(
            'button',
            {
              type: 'button',
              'data-testid': 'subscription-resume',
              onclick: () => {
                post(`/subscriptions/${seg(s.subscriptionId)}/resume`).then(
                  () => this.load(undefined),
                  (error: unknown) => this.host.report(error),
                );
              },
            },
            'Resume',
          )
        : null;
    return h(
      'div',
      {
        class: 'card',
        'data-testid': 'subscription',
        'data-subscription-id': s.subscriptionId,
      },
      h(
        'div',
        {},
        badge(s.state, 'subscription-state'),
        ' ',
        h('strong', { 'data-testid': 'subscription-url' }, s.url),
        ' ',
        resume,
      ),
      h(
        'div',
        { class: 'muted' },
        `${s.repoId ? `repo ${s.repoId}` : 'every repo'} · ${
          s.eventTypes ? s.eventTypes.join(', ') : 'every event type'
        } · at position ${s.checkpoint.position}, ${s.checkpoint.lag} behind`,
        s.pausedReason
          ? h(
              'span',
              { 'data-testid': 'subscription-paused-reason' },
              ` · paused: ${s.pausedReason}`,
            )
          : null,
        s.failingSince ? ` · failing since ${clock(s.failingSince)}` : null,
      ),
      deliveries.length === 0
        ? h('div', { class: 'muted' }, 'No delivery yet.')
        : h(
            'ul',
            { 'data-testid': 'subscription-deliveries' },
            ...deliveries.map((d) =>
              h(
                'li',
                { 'data-testid': 'subscription-delivery' },
                `${clock(d.at)} ${d.eventType} #${d.position} (try ${d.attempt}): ${outcomeOf(d)}, ${d.latencyMs} ms`,
              ),
            ),
          ),
    );
  }
}
