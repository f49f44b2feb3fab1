/** Event types jade records about its AMI link, beside Asterisk's own event names. */
export const amiEventTypes = {
  /** Result of one list action run after a (re)connect: `data.action`, `data.items`, `data.complete`. */
  snapshot: 'AmiSnapshot',
  /** A frame jade could not parse or classify, kept verbatim. */
  raw: 'AmiRawFrame',
  connected: 'AmiConnected',
  disconnected: 'AmiDisconnected',
  /** A resync action that gave no usable result (module not loaded, timeout): `AmiSnapshotFailedData`. */
  snapshotFailed: 'AmiSnapshotFailed',
} as const;

/** AMI headers are case-insensitive strings; jade stores them with Asterisk's spelling. */
export type AmiFields = Readonly<Record<string, string>>;

export interface AmiSnapshotData {
  readonly action: string;
  /** The list items (the events between `EventList: start` and `...Complete`), each as AMI fields. */
  readonly items: readonly AmiFields[];
  /** The action's response headers (non-list actions like CoreStatus put everything here). */
  readonly response: AmiFields;
  /** The list's `...Complete` event (carries `ListItems`); absent for non-list actions. */
  readonly complete?: AmiFields;
  /** Lines of a `Command` action's output. */
  readonly output?: readonly string[];
  /** Snapshot round: all snapshots of one (re)connect share it. */
  readonly round: string;
}

/**
 * A resync action that produced no snapshot. Projections must not read it as "Asterisk has none of these":
 * the state of that kind is unknown until the next round.
 */
export interface AmiSnapshotFailedData {
  readonly action: string;
  readonly round: string;
  /** Asterisk's `Message`, or why jade got no answer. */
  readonly error: string;
  /** Asterisk's error response, when there was one. */
  readonly response?: AmiFields;
}
