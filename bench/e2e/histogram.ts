/** Latency histogram: 0.05 ms buckets up to 10 s (slower lands in the last bucket); sparse form for IPC. */
const bucketMs = 0.05;
const buckets = 200_000;

export class Histogram {
  readonly counts = new Uint32Array(buckets + 1);

  add(ms: number): void {
    this.counts[Math.min(buckets, Math.max(0, Math.floor(ms / bucketMs)))]!++;
  }

  total(): number {
    let sum = 0;
    for (const count of this.counts) sum += count;
    return sum;
  }

  percentile(p: number): number {
    const target = Math.ceil(this.total() * p);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= target && target > 0) return (i + 1) * bucketMs;
    }
    return Number.NaN;
  }

  max(): number {
    for (let i = this.counts.length - 1; i >= 0; i--) if (this.counts[i]! > 0) return (i + 1) * bucketMs;
    return Number.NaN;
  }

  sparse(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    this.counts.forEach((count, bucket) => count > 0 && out.push([bucket, count]));
    return out;
  }

  merge(sparse: ReadonlyArray<readonly [number, number]>): void {
    for (const [bucket, count] of sparse) this.counts[bucket]! += count;
  }

  summary(): string {
    return `p50 ${this.percentile(0.5).toFixed(1)} ms, p99 ${this.percentile(0.99).toFixed(1)} ms, max ${this.max().toFixed(1)} ms (${this.total().toLocaleString('en-US')} samples)`;
  }
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const nowMs = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
