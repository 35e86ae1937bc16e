import { get, seg } from './api.js';
import { clock, h } from './dom.js';
import { HISTORY_TYPES } from './events.js';
import { jobHref } from './hash-route.js';
import type { HistoryItem, LiveEvent } from './types.js';

const PAGE = 50;
/** Keys of an event's data that repeat the card or are too long for one line. */
const HIDDEN = new Set(['plan', 'orgId', 'repoId', 'jobId', 'idempotencyKey']);

/** A one-line digest of an event's data: `key=value` for the short scalar fields. */
export function summary(data: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (HIDDEN.has(key)) continue;
    if (typeof value === 'string') {
      parts.push(
        `${key}=${/^[0-9a-f]{40}$/.test(value) ? value.slice(0, 7) : value}`,
      );
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      parts.push(`${key}=${value}`);
    } else if (Array.isArray(value)) {
      parts.push(`${key}=[${value.length}]`);
    }
  }
  const text = parts.join(' ');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/**
 * The repo's timeline, newest first: one page from the API, live events prepended, older
 * pages on demand. Items are kept by position, so a replayed event is shown once.
 */
export class HistoryPanel {
  readonly element = h('section', { class: 'panel', 'data-testid': 'history' });
  private readonly items = new Map<number, HistoryItem>();
  private nextBefore: number | null = null;

  constructor(
    private readonly repoId: string,
    private readonly report: (error: unknown) => void,
  ) {}

  /** Loads the newest page; resolves with the newest position (where live events resume). */
  async load(): Promise<number | undefined> {
    const readAt = await this.page(undefined);
    // Everything up to the read models' position is in the page (or is not timeline
    // material), so the stream may resume after it even when the page is empty.
    const newest = this.newest();
    return readAt === undefined ? newest : Math.max(readAt, newest ?? 0);
  }

  newest(): number | undefined {
    let max: number | undefined;
    for (const position of this.items.keys()) {
      if (max === undefined || position > max) max = position;
    }
    return max;
  }

  /** Adds a live event if the history projection would keep it. */
  add(event: LiveEvent): void {
    if (!HISTORY_TYPES.has(event.type) || this.items.has(event.position))
      return;
    const { plan: _plan, ...data } = event.data;
    this.items.set(event.position, { ...event, data });
    this.render();
  }

  private async page(before: number | undefined): Promise<number | undefined> {
    const page = await get<{
      items: HistoryItem[];
      nextBefore: number | null;
      position?: number;
    }>(`/repos/${seg(this.repoId)}/history`, { limit: PAGE, before });
    for (const item of page.items) this.items.set(item.position, item);
    // The newest page is read once; live events extend it at the top from then on.
    this.nextBefore = page.nextBefore;
    this.render();
    return page.position;
  }

  private render(): void {
    const items = [...this.items.values()].sort(
      (a, b) => b.position - a.position,
    );
    this.element.replaceChildren(
      h('h2', {}, 'History'),
      items.length === 0
        ? h('p', { class: 'muted' }, 'Nothing happened yet.')
        : h(
            'ol',
            { class: 'timeline', 'data-testid': 'history-list' },
            ...items.map((item) =>
              h(
                'li',
                {
                  'data-testid': 'history-item',
                  'data-position': item.position,
                },
                h('time', { datetime: item.at }, clock(item.at)),
                h(
                  'span',
                  { class: 'type', 'data-testid': 'history-type' },
                  item.type,
                ),
                h('span', { class: 'muted' }, summary(item.data)),
                item.jobId &&
                  h(
                    'a',
                    {
                      href: jobHref(item.jobId),
                      class: 'right',
                      'data-testid': 'history-job-link',
                    },
                    'job',
                  ),
              ),
            ),
          ),
      this.nextBefore === null
        ? ''
        : h(
            'button',
            {
              type: 'button',
              'data-testid': 'history-older',
              onclick: () => {
                this.page(this.nextBefore ?? undefined).catch(this.report);
              },
            },
            'Load older',
          ),
    );
  }
}
