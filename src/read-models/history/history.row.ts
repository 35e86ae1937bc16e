/** One entry of a repo's history: an event a person would want in the timeline. */
export interface HistoryRow {
  position: number;
  orgId: string;
  repoId: string;
  jobId: string | null;
  type: string;
  at: string;
  data: object;
}
