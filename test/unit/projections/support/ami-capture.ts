import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AmiFields, JadeEvent } from '../../../../src/events/index.js';
import { streams } from '../../../../src/events/index.js';
import { formatTimestamp } from '../../../../src/events/time.js';
import { callIdOf } from '../../../../src/ami/event-table.js';

/** The recorded Asterisk 22 traffic (raw AMI frames, CRLF, blank-line separated). */
export const capturePath = fileURLToPath(new URL('../../../fixtures/ami-capture-asterisk22.txt', import.meta.url));

/** Raw AMI text -> frames of `Key: Value` headers (a repeated key keeps its first value). */
export function parseAmiFrames(text: string): AmiFields[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n\n+/)
    .map((block) => {
      const frame: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const key = line.slice(0, colon);
        if (!(key in frame)) frame[key] = line.slice(colon + 1).replace(/^ /, '');
      }
      return frame;
    })
    .filter((frame) => frame.Event !== undefined);
}

export function loadCaptureFrames(): AmiFields[] {
  return parseAmiFrames(readFileSync(capturePath, 'utf8'));
}

export interface CaptureEventOptions {
  readonly node?: string;
  /** `receivedAt` of the first frame (epoch ms); each next frame is `stepMs` later. Deterministic on purpose. */
  readonly startMs?: number;
  readonly stepMs?: number;
}

/** Frames as the ingest stores them: `type` = Event, `data` = the other headers, stream by the ingest's table (`callIdOf`). */
export function framesToEvents(frames: readonly AmiFields[], options: CaptureEventOptions = {}): { stream: string; event: JadeEvent }[] {
  const node = options.node ?? 'test';
  const start = BigInt(options.startMs ?? Date.UTC(2026, 10, 27, 20, 8, 37)) * 1_000_000n;
  const step = BigInt(options.stepMs ?? 10) * 1_000_000n;
  return frames.map((frame, index) => {
    const { Event: type, ...data } = frame;
    const linkedId = callIdOf(type!, data);
    return {
      stream: linkedId ? streams.call(linkedId) : streams.pbx(node),
      event: { type: type!, data, metadata: { node, receivedAt: formatTimestamp(start + BigInt(index) * step) } },
    };
  });
}
