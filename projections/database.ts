/**
 * The read-model schema, as kysely sees it: one table interface per projection file, plus the runner's checkpoints.
 * It lives with the projections (they query it) so that projections/ needs nothing of src/.
 */
import type { AgentsTable } from './agents.js';
import type { AgisPruneRow, AgisTable } from './agis.js';
import type { ChannelsTable } from './channels.js';
import type { DeviceStatesTable } from './device-states.js';
import type { ModulesTable } from './modules.js';
import type { ConfigVersionsTable } from './config-versions.js';
import type { ParkedCallsTable, ParkingLotsTable } from './parking.js';
import type { PjsipAorsTable, PjsipAuthsTable, PjsipContactsTable, PjsipEndpointsTable, PjsipRegistrationsTable } from './pjsip/index.js';
import type { QueueEntriesTable, QueueMembersTable, QueuesTable } from './queues/index.js';
import type { SystemsTable } from './systems.js';
import type { CallLegsTable, CallPendingTable, CallsLiveTable, CallsTable } from './calls/index.js';
import type { CommandsTable } from './commands.js';
import type { ObCampaignsTable } from './ob-campaigns.js';
import type { ObDestinationsTable } from './ob-destinations.js';
import type { ObDialingsTable } from './ob-dialings.js';
import type { ObDlmasTable } from './ob-dlmas.js';
import type { ObDlsTable } from './ob-dls.js';
import type { ObPlansTable } from './ob-plans.js';
import type { MeBuddiesTable, PeopleDevicesTable, UserContactsTable } from './people.js';
import type { DpDialplansTable, DpDpmasTable } from './dialplans.js';
import type { VoicemailMessagesTable, VoicemailUsersTable } from './voicemail.js';
import type { ChatMembersTable, ChatMessagesTable, ChatRoomsTable } from './chats.js';

/** A live table of one Asterisk box among several (lib/node-scope.ts, migration 0013). */
type PerNode<Table> = Table & { node: string; row_key: string };

export interface CheckpointsTable {
  name: string;
  position: number;
  version: number;
}

export interface Database {
  projection_checkpoints: CheckpointsTable;
  channels: PerNode<ChannelsTable>;
  agis: PerNode<AgisTable>;
  agis_prune: PerNode<AgisPruneRow>;
  modules: PerNode<ModulesTable>;
  systems: PerNode<SystemsTable>;
  queues: PerNode<QueuesTable>;
  queue_members: PerNode<QueueMembersTable>;
  queue_entries: PerNode<QueueEntriesTable>;
  calls: CallsTable;
  call_legs: CallLegsTable;
  calls_live: CallsLiveTable;
  call_pending: CallPendingTable;
  commands: CommandsTable;
  ob_plans: ObPlansTable;
  ob_destinations: ObDestinationsTable;
  ob_dlmas: ObDlmasTable;
  ob_dls: ObDlsTable;
  ob_campaigns: ObCampaignsTable;
  ob_dialings: ObDialingsTable;
  parking_lots: PerNode<ParkingLotsTable>;
  parked_calls: PerNode<ParkedCallsTable>;
  agents: PerNode<AgentsTable>;
  device_states: PerNode<DeviceStatesTable>;
  pjsip_endpoints: PerNode<PjsipEndpointsTable>;
  pjsip_aors: PerNode<PjsipAorsTable>;
  pjsip_auths: PerNode<PjsipAuthsTable>;
  pjsip_contacts: PerNode<PjsipContactsTable>;
  pjsip_registration_outbounds: PerNode<PjsipRegistrationsTable>;
  config_versions: ConfigVersionsTable;
  user_contacts: UserContactsTable;
  me_buddies: MeBuddiesTable;
  people_devices: PeopleDevicesTable;
  chat_rooms: ChatRoomsTable;
  chat_members: ChatMembersTable;
  chat_messages: ChatMessagesTable;
  dp_dpmas: DpDpmasTable;
  dp_dialplans: DpDialplansTable;
  voicemail_users: PerNode<VoicemailUsersTable>;
  voicemail_messages: PerNode<VoicemailMessagesTable>;
}
