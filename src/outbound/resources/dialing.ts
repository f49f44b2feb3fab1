/**
 * The catalog's dialing object (50-outbound §6.5), created and finished by the dialer; its type, status codes
 * and fold live with its read model.
 */
export { dialingJsonColumns, dialingStatus, evolveDialing, type DialingObject } from '../../../projections/outbound/dialing.js';
