/** Metadata every stored event may carry. AMI events carry node/receivedAt/timestamp; API-caused ones commandId/userId/correlationId. */
export interface EventMetadata {
  readonly node?: string;
  /** When jade received the AMI frame (API timestamp format). */
  readonly receivedAt?: string;
  /** Asterisk's own `Timestamp` header (epoch seconds with fraction), when timestampevents=yes. */
  readonly timestamp?: string;
  readonly commandId?: string;
  readonly userId?: string;
  readonly correlationId?: string;
  readonly [key: string]: unknown;
}

/** An event as it is appended: a plain readonly object. */
export interface JadeEvent<TType extends string = string, TData = Record<string, unknown>> {
  readonly type: TType;
  readonly data: TData;
  readonly metadata: EventMetadata;
}

/** An event as read back from the log. */
export interface RecordedEvent<TType extends string = string, TData = Record<string, unknown>>
  extends JadeEvent<TType, TData> {
  /** Global log position: starts at 1, gap-free on the embedded store. */
  readonly position: number;
  readonly stream: string;
  /** Position inside its stream, from 0. */
  readonly revision: number;
  /** When the store recorded it (API timestamp format). */
  readonly recordedAt: string;
}
