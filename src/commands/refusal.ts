/** A decider's refusal (any backend-owned resource: outbound, people, dialplans), a plain class: the HTTP error table (src/http/error-middleware.ts) gives each kind its status. */

/**
 * Why a command was refused. `not_found`: no such object, or it was deleted (404). `invalid`: the request
 * asks for something the catalog forbids, e.g. an in-use object deleted without `force` (400).
 * `conflict`: the object's current state does not allow it now (409).
 */
export type RefusalKind = 'not_found' | 'invalid' | 'conflict';

export class CommandRefusal extends Error {
  override readonly name = 'CommandRefusal';
  constructor(
    readonly kind: RefusalKind,
    message: string,
    /** The request field the refusal is about, when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}
