/**
 * What never leaves the server through the log, call history, command audit or the PJSIP auths: password
 * hashes (`password_hash`), token hashes (a SHA-256 of a live token is a key to brute
 * force offline and a way to correlate sessions), and every credential Asterisk or a request may carry.
 *
 * One list of credential names decides everywhere (`isCredentialName`). It is matched case-insensitively
 * and ignoring `_`/`-`, so Asterisk's AMI headers (`Secret`, `Md5Cred`, `Password`, `PasswordDigest`,
 * `OauthSecret`, `RefreshToken` of Asterisk 22's `AuthDetail`/`AuthList`), their snake_case columns
 * (`md5_cred`, `password`) and config keys (`md5_cred=` in a `GetConfig` line) are one name each.
 * The mask is a constant: it never tells the length of what it hides.
 */
export const maskedSecret = '[redacted]';

/** Credential names, normalised (lower case, no `_` or `-`). */
const credentialNames: ReadonlySet<string> = new Set([
  'secret',
  'password',
  'passwd',
  'pass',
  'md5cred',
  'md5secret',
  'passworddigest',
  'authpass',
  'authpassword',
  'oauthsecret',
  'refreshtoken',
  'token',
  'authtoken',
  'remotesecret',
  'dbsecret',
]);

const normalise = (name: string): string => name.toLowerCase().replace(/[-_]/g, '');

/**
 * Whether a key, header or config variable names a credential: one of the names above, or a snake/kebab
 * name ending in one (`admin_password`, `token_hash`, `user-md5-cred`). A CamelCase ending is not enough:
 * AMI's `UsingPassword: 1` says whether one was used, it is not one.
 */
export function isCredentialName(name: string): boolean {
  if (credentialNames.has(normalise(name))) return true;
  return /[-_](password|passwd|secret|token|hash|md5[-_]?cred)$/i.test(name);
}

/**
 * `name=value`, `name => value` or `name: value` lines inside a text: a `GetConfig` answer
 * (`Line-000000-000000: password=...`), an `UpdateConfig` line, a CLI listing. Per line, so a multi-line
 * output masks each secret and keeps the rest.
 */
const assignmentLine = /^(\s*)([A-Za-z][\w-]*)(\s*(?:=>?|:)[ \t]*)(.*)$/gm;

/** `"name": "value"` inside a text holding JSON (`GetConfigJSON`'s `JSON:` header). */
const jsonMember = /"([A-Za-z][\w-]*)"(\s*:\s*)"(?:[^"\\]|\\.)*"/g;

/** A cheap first look: a text without any of these cannot hold a credential assignment. */
const mayHoldCredential = /pass|secret|md5|token|cred|hash/i;

/** A text with the values of credential assignments masked. */
export function redactText(text: string): string {
  if (!mayHoldCredential.test(text)) return text;
  return text
    .replace(assignmentLine, (line: string, indent: string, name: string, separator: string, value: string) =>
      isCredentialName(name) && value !== '' ? `${indent}${name}${separator}${maskedSecret}` : line,
    )
    .replace(jsonMember, (member: string, name: string, separator: string) => (isCredentialName(name) ? `"${name}"${separator}"${maskedSecret}"` : member));
}

/** Keys that name the variable of a name/value pair: AMI `UpdateConfig` (`Var-000000`), `Setvar` (`Variable`), JSON `{name, value}`. */
const pairName = /^(var|variable|name|key)((?:-\d+)*)$/i;
const pairValue = (suffix: string): readonly string[] => [`Value${suffix}`, `value${suffix}`];

/** Value keys of pairs whose name is a credential: `{Var-000001: 'password', Value-000001: 'x'}` masks `Value-000001`. */
function credentialPairValues(value: Readonly<Record<string, unknown>>): Set<string> {
  const keys = new Set<string>();
  for (const [key, inner] of Object.entries(value)) {
    const match = pairName.exec(key);
    if (match === null || typeof inner !== 'string' || !isCredentialName(inner)) continue;
    for (const candidate of pairValue(match[2] ?? '')) if (candidate in value) keys.add(candidate);
  }
  return keys;
}

/** Deep copy of a JSON value with every credential masked: by key, in `name=value` text, in name/value pairs. */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const pairValues = credentialPairValues(record);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(record)) {
    out[key] = isCredentialName(key) || pairValues.has(key) ? maskedSecret : redactValue(inner);
  }
  return out;
}

/** An event's data as the API may show it. */
export function redactData(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return redactValue(data) as Record<string, unknown>;
}
