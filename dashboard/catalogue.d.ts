/**
 * `catalogue.js` is made by the service from its event catalogue when it starts (see
 * src/read-models/dashboard/dashboard-catalogue.ts): the event types live in one place.
 */
export interface EventKind {
  readonly types: readonly string[];
  has(type: string): boolean;
}

export declare const ALL_EVENTS: EventKind;
export declare const REPO_EVENTS: EventKind;
export declare const JOB_EVENTS: EventKind;
export declare const FINAL_JOB_EVENTS: EventKind;
export declare const TASK_EVENTS: EventKind;
export declare const TIMELINE_EVENTS: EventKind;
export declare const SUBSCRIPTION_EVENTS: EventKind;

/** Every job action and job status of this build (the job list's filters). */
export declare const JOB_ACTIONS: readonly string[];
export declare const JOB_STATUSES: readonly string[];
