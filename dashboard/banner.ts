import { ApiError } from './api.js';
import { h } from './dom.js';

/**
 * The visible error line: the API's error code and message (`{error:{code,message}}`), so
 * that a refused action says why. It stays until dismissed or replaced by the next error.
 */
export class ErrorBanner {
  private readonly code = h('code', { 'data-testid': 'error-code' });
  private readonly message = h('span', { 'data-testid': 'error-message' });
  readonly element = h(
    'div',
    {
      class: 'banner',
      role: 'alert',
      'data-testid': 'error-banner',
      hidden: true,
    },
    this.code,
    this.message,
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        'aria-label': 'Dismiss',
        onclick: () => this.hide(),
      },
      '×',
    ),
  );

  show(error: unknown): void {
    if (error instanceof ApiError) {
      this.code.textContent = error.code;
      this.message.textContent = error.message;
    } else {
      this.code.textContent = 'CLIENT';
      this.message.textContent =
        error instanceof Error ? error.message : String(error);
    }
    this.element.hidden = false;
  }

  hide(): void {
    this.element.hidden = true;
  }
}
