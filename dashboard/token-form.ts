import { tokens } from './api.js';
import { field, h } from './dom.js';

/**
 * Asks for a bearer token after a 401 (auth is on: `STACKYARD_TOKENS`). The token goes to
 * localStorage; `onToken` then reloads what the 401 stopped. Without auth it never shows.
 */
export class TokenForm {
  readonly element: HTMLFormElement;

  constructor(onToken: () => void) {
    this.element = h(
      'form',
      { class: 'token-form', 'data-testid': 'token-form', hidden: true },
      h('p', {}, 'This service needs an access token.'),
      h('input', {
        name: 'token',
        type: 'password',
        required: true,
        autocomplete: 'off',
        placeholder: 'token',
        'aria-label': 'Access token',
        'data-testid': 'token-input',
      }),
      h(
        'button',
        { type: 'submit', 'data-testid': 'token-submit' },
        'Use token',
      ),
    );
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      tokens.set(field(this.element, 'token'));
      this.element.reset();
      this.element.hidden = true;
      onToken();
    });
  }

  get shown(): boolean {
    return !this.element.hidden;
  }

  /** Shows the form; a token that was refused is forgotten. */
  show(): void {
    tokens.clear();
    this.element.hidden = false;
    this.element.querySelector('input')?.focus();
  }
}
