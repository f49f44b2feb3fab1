/**
 * The advisory-lock keys jade takes on a shared PostgreSQL database (any values work; these spell words in
 * ASCII). One place, so no two uses can pick the same key by accident.
 */

/** Transaction-scoped, taken first by every append: appends, across every process, one at a time. */
export const appendLockKey = 0x6a616465; // "jade"

/** Transaction-scoped, taken by every read-model mirror write: one mirror write at a time. */
export const mirrorLockKey = 0x6a726d31; // "jrm1"

/** Session-scoped, held by the leader on a connection of its own for as long as it leads. */
export const leadershipLockKey = 0x6a6c6472; // "jldr"
