import type { JobPhase } from '../job/job.state';

/**
 * Whether a delivery id seen before is decided again: GitHub's "Redeliver" (and GitLab's
 * resend) sends the same delivery id, and is the only recovery a forge offers. When the job
 * the delivery's last decision queued or rode on ended `error` (failed) or `cancelled`, the
 * push it told of was never applied, so the delivery is decided again as if new. Otherwise
 * (no job, or one queued, running, waiting to retry or completed) it is a duplicate.
 */
export function decidesAgain(lastJobPhase: JobPhase | undefined): boolean {
  return lastJobPhase === 'error' || lastJobPhase === 'cancelled';
}
