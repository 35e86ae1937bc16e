/** One entry of a repo's history: an event a person would want in the timeline. */
export interface HistoryRow {
  position: number;
  orgId: string;
  repoId: string;
  jobId: string | null;
  type: string;
  /**
   * Who caused the event, from its metadata: `org:<id>` for a request, `worker:<id>` for a
   * job's steps, `system:<saga>`. Null for an event recorded without one, and for rows
   * projected before the column existed (`npm run rebuild-read-models` fills those).
   */
  actor: string | null;
  at: string;
  data: object;
}
