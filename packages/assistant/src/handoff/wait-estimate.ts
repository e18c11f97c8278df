/** Seconds assumed per queue position before any hand-off has been answered. */
export const DEFAULT_WAIT_PER_POSITION_S = 60;

/**
 * The customer's waiting estimate: the median of recent queued → accepted times, scaled by the
 * queue position (position 1 waits about one median wait). The median resists one forgotten
 * ticket skewing everyone's estimate. Rounded up to 5 s so the number does not flicker.
 */
export function estimateWaitSeconds(position: number, recentWaitsMs: readonly number[]): number {
  if (position <= 0) return 0;
  const perPosition =
    recentWaitsMs.length === 0 ? DEFAULT_WAIT_PER_POSITION_S : Math.max(5, median(recentWaitsMs) / 1000);
  return Math.ceil((perPosition * position) / 5) * 5;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
