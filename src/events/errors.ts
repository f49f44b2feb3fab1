/** What a "not found" names: the kind of thing and the id it was asked by. */
export interface Missing {
  readonly kind: string;
  readonly id: string;
}

/**
 * The one "not found" of every part (the HTTP error table answers it 404): a thing addressed by kind
 * and id does not exist. Here in the vocabulary so any part, projections included, can throw it.
 * The message names the thing; the default reads `no <kind> <id>`.
 */
export class NotFoundError extends Error {
  override readonly name: string = 'NotFoundError';
  readonly kind: string;
  readonly id: string;
  constructor(missing: Missing, message = `no ${missing.kind} ${missing.id}`) {
    super(message);
    this.kind = missing.kind;
    this.id = missing.id;
  }
}

/**
 * Several Asterisk boxes have an object of this name (a queue, a module, an endpoint...) and the request did not
 * say which box (`?node=`): 409, listing the boxes, rather than an answer about one box picked silently.
 */
export class AmbiguousNodeError extends Error {
  override readonly name = 'AmbiguousNodeError';
  constructor(readonly kind: string, readonly id: string, readonly nodes: readonly string[]) {
    super(`node is needed: ${kind} ${id} exists on several Asterisk boxes (${nodes.join(', ')}); add ?node=<one of them>`);
  }
}
