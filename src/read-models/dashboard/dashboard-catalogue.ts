import { JOB_ACTIONS } from '../../domain/events/job.events';
import { JOB_STATUSES } from '../../domain/job/job-status';
import {
  ALL_EVENTS,
  type EventKind,
  FINAL_JOB_EVENTS,
  JOB_EVENTS,
  REPO_EVENTS,
  type StackyardEventType,
  SUBSCRIPTION_EVENTS,
  TASK_EVENTS,
  TIMELINE_EVENTS,
} from '../../domain/events/stackyard-event';

/** The kinds the dashboard reads, by the names it imports them under. */
const KINDS: Readonly<Record<string, EventKind<StackyardEventType>>> = {
  ALL_EVENTS,
  REPO_EVENTS,
  JOB_EVENTS,
  FINAL_JOB_EVENTS,
  TASK_EVENTS,
  TIMELINE_EVENTS,
  SUBSCRIPTION_EVENTS,
};

/**
 * The dashboard's `catalogue.js`: the service's event catalogue as a browser module, made
 * from the domain's kinds when the service starts, so the page listens to exactly the types
 * this build writes. Same names and shape as the domain module (`types`, `has`), which is
 * what the dashboard's unit tests import in its place. The job actions and statuses (the
 * job list's filters) come along as plain lists.
 */
export function dashboardCatalogueModule(): string {
  const lines = [
    '// Made by the service from its event catalogue; not a source file.',
    'const kind = (types) => {',
    '  const set = new Set(types);',
    '  return Object.freeze({ types, has: (type) => set.has(type) });',
    '};',
  ];
  for (const [name, kind] of Object.entries(KINDS)) {
    lines.push(
      `export const ${name} = kind(Object.freeze(${JSON.stringify(kind.types)}));`,
    );
  }
  lines.push(
    `export const JOB_ACTIONS = Object.freeze(${JSON.stringify(JOB_ACTIONS)});`,
    `export const JOB_STATUSES = Object.freeze(${JSON.stringify(JOB_STATUSES)});`,
  );
  return `${lines.join('\n')}\n`;
}
