/** Event types jade records about its AMI link, beside Asterisk's own event names. */
export const amiEventTypes = {
  /** Result of one list action run after a (re)connect: `data.action`, `data.items`, `data.complete`. */
  snapshot: 'AmiSnapshot',
  /** A frame jade could not parse or classify, kept verbatim. */
  raw: 'AmiRawFrame',
  connected: 'AmiConnected',
  disconnected: 'AmiDisconnected',
} as const;

/** AMI headers are case-insensitive strings; jade stores them with Asterisk's spelling. */
export type AmiFields = Readonly<Record<string, string>>;

export interface AmiSnapshotData {
  readonly action: string;
  /** The list items (the events between `EventList: start` and `...Complete`), each as AMI fields. */
  readonly items: readonly AmiFields[];
  /** The action's response headers (non-list actions like CoreStatus put everything here). */
  readonly response: AmiFields;
  /** Lines of a `Command` action's output. */
  readonly output?: readonly string[];
  /** Snapshot round: all snapshots of one (re)connect share it. */
  readonly round: string;
}
