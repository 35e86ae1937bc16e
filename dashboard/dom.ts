/**
 * A tiny element builder. Every text goes in through `append` (text nodes) and every
 * attribute through `setAttribute`, never through HTML parsing: nothing the API returns can
 * become markup.
 */
type AttrValue =
  string | number | boolean | null | undefined | ((event: Event) => void);
export type Attrs = Record<string, AttrValue>;
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') {
      element.addEventListener(name.replace(/^on/, ''), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'number' ? String(child) : child);
  }
  return element;
}

/** A status badge; its text is the status itself, as the API spells it. */
export const badge = (status: string, testid: string): HTMLSpanElement =>
  h('span', { class: `badge badge-${status}`, 'data-testid': testid }, status);

export const shortSha = (sha: string | null | undefined): string =>
  sha ? sha.slice(0, 7) : '—';

export const clock = (iso: string): string => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString();
};

/** The value of a form field by name (empty when absent). */
export function field(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/** A `<select>` of `choices`, keeping `selected` (if still offered) across re-renders. */
export function select(
  attrs: Attrs,
  choices: ReadonlyArray<{ value: string; label: string }>,
  selected: string | undefined,
): HTMLSelectElement {
  return h(
    'select',
    attrs,
    ...choices.map((c) =>
      h('option', { value: c.value, selected: c.value === selected }, c.label),
    ),
  );
}
