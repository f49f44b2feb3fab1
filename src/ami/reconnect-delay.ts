/**
 * Delay before reconnect attempt `attempt` (0-based): doubling from `initialMs`, capped at `maxMs`, with "equal
 * jitter" (half fixed, half random) so many jade instances restarting together do not hammer Asterisk in step,
 * while the delay never exceeds the cap.
 */
export function reconnectDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}
