/**
 * Minimal typing of asterisk-ami-client 1.1.5 (it ships none), for the parse-rate comparison in
 * bench/ami-ingest.ts. jade's AMI link does not use the library (see src/ami/connection.ts for why).
 * What 1.1.5 does, checked in its source: header names keep Asterisk's case; a repeated header keeps only
 * its last value; frames starting with `Event` are emitted as `event`, everything else as `response`
 * (list items and `...Complete` included, so no EventList collection); `reconnect` retries with a fixed
 * `attemptsDelay` up to `maxAttemptsCount`; `keepAlive` sends Ping but never notices a missing answer.
 */
declare module 'asterisk-ami-client' {
  import { EventEmitter } from 'node:events';

  export type AmiMessage = Record<string, string>;

  export interface AmiClientOptions {
    readonly reconnect?: boolean;
    readonly maxAttemptsCount?: number;
    readonly attemptsDelay?: number;
    readonly keepAlive?: boolean;
    readonly keepAliveDelay?: number;
    readonly emitEventsByTypes?: boolean;
    readonly emitResponsesById?: boolean;
  }

  class AmiClient extends EventEmitter {
    constructor(options?: AmiClientOptions);
    connect(user: string, secret: string, options: { readonly host: string; readonly port: number }): Promise<unknown>;
    action(message: AmiMessage, promisable: true): Promise<AmiMessage>;
    action(message: AmiMessage, promisable?: false): this;
    disconnect(): this;
    readonly isConnected: boolean | null;
  }

  export default AmiClient;
}
