/** Stream names are a contract (ARCHITECTURE.md "Events and streams"). */
export const streams = {
  call: (linkedId: string): string => `call-${linkedId}`,
  pbx: (node: string): string => `pbx-${node}`,
  command: (uuid: string): string => `command-${uuid}`,
  user: (uuid: string): string => `user-${uuid}`,
  object: (kind: string, uuid: string): string => `${kind}-${uuid}`,
} as const;

export const streamPrefixes = {
  call: 'call-',
  pbx: 'pbx-',
  command: 'command-',
  user: 'user-',
} as const;
