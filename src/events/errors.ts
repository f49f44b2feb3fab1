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
