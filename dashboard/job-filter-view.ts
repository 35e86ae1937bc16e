import { JOB_ACTIONS, JOB_STATUSES } from './catalogue.js';
import { h } from './dom.js';
import { filterOf, type JobFilter } from './job-filter.js';

/**
 * The job list's filter: a status and an action, each "any" by default (the lists are the
 * service's own, from its catalogue). Built once, so that the choice survives the list's
 * re-renders; `change` gets the new filter.
 */
export function jobFilterForm(change: (filter: JobFilter) => void) {
  const choose = (
    name: string,
    any: string,
    values: readonly string[],
  ): HTMLSelectElement =>
    h(
      'select',
      {
        name,
        'data-testid': `job-filter-${name}`,
        'aria-label': `Job ${name}`,
      },
      h('option', { value: '' }, any),
      ...values.map((value) => h('option', { value }, value)),
    );
  const status = choose('status', 'any status', JOB_STATUSES);
  const action = choose('action', 'any action', JOB_ACTIONS);
  const form = h(
    'form',
    { class: 'inline-form job-filter', 'data-testid': 'job-filter' },
    status,
    action,
  );
  form.addEventListener('change', () =>
    change(filterOf(status.value, action.value)),
  );
  form.addEventListener('submit', (event) => event.preventDefault());
  return form;
}
