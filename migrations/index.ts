import type { Migration } from 'kysely';
import * as liveState from './0001_live_state.js';
import * as queues from './0002_queues.js';
import * as parkAgentsDevicesPjsip from './0003_park_agents_devices_pjsip.js';
import * as outbound from './0004_outbound.js';
import * as history from './0005_history.js';
import * as configVersions from './0006_config_versions.js';
import * as people from './0008_people.js';
import * as chats from './0009_chats.js';
import * as dialplans from './0010_dialplans.js';
import * as voicemail from './0011_voicemail.js';
import * as agiSessionEnd from './0012_agi_session_end.js';
import * as liveRowsPerNode from './0013_live_rows_per_node.js';
import * as campaignNode from './0014_campaign_node.js';

/**
 * Every read-model migration, by name; names sort in the order they must run.
 * A static list (not a directory scan) so it works the same under tsx, compiled, or bundled.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_live_state': liveState,
  '0002_queues': queues,
  '0003_park_agents_devices_pjsip': parkAgentsDevicesPjsip,
  '0004_outbound': outbound,
  '0005_history': history,
  '0006_config_versions': configVersions,
  '0008_people': people,
  '0009_chats': chats,
  '0010_dialplans': dialplans,
  '0011_voicemail': voicemail,
  '0012_agi_session_end': agiSessionEnd,
  '0013_live_rows_per_node': liveRowsPerNode,
  '0014_campaign_node': campaignNode,
};
