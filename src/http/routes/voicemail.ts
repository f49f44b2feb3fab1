import type { Router } from '@koa/router';
import type { Kysely } from 'kysely';
import type { Database } from '../../readmodels/database.js';
import type { ConfigService } from '../../configfiles/service.js';
import { configFileRoutes } from '../config-file-routes.js';

export interface VoicemailRouteDeps {
  readonly db: Kysely<Database>;
  readonly config: ConfigService;
}

/**
 * `/voicemail` (catalog 70 §4.1–4.3): `voicemail.conf` through the generic factory: `GET|PUT /voicemail/setting`
 * (mailboxes are `"<mailbox>": "> password,name,email,..."` in their context's section), the backups under
 * `/voicemail/settings`, history and rollback. No reload: the client reloads app_voicemail.
 */
export function voicemailRoutes(deps: VoicemailRouteDeps): Router {
  return configFileRoutes({ area: '/voicemail', file: 'voicemail.conf', module: 'app_voicemail' }, deps);
}
