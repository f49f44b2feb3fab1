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

export interface CheckpointsTable {
  name: string;
  position: number;
  version: number;
}

export interface Database {
  projection_checkpoints: CheckpointsTable;
  channels: ChannelsTable;
  agis: AgisTable;
  agis_prune: AgisPruneRow;
  modules: ModulesTable;
  systems: SystemsTable;
  queues: QueuesTable;
  queue_members: QueueMembersTable;
  queue_entries: QueueEntriesTable;
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
  parking_lots: ParkingLotsTable;
  parked_calls: ParkedCallsTable;
  agents: AgentsTable;
  device_states: DeviceStatesTable;
  pjsip_endpoints: PjsipEndpointsTable;
  pjsip_aors: PjsipAorsTable;
  pjsip_auths: PjsipAuthsTable;
  pjsip_contacts: PjsipContactsTable;
  pjsip_registration_outbounds: PjsipRegistrationsTable;
  config_versions: ConfigVersionsTable;
  user_contacts: UserContactsTable;
  me_buddies: MeBuddiesTable;
  people_devices: PeopleDevicesTable;
  chat_rooms: ChatRoomsTable;
  chat_members: ChatMembersTable;
  chat_messages: ChatMessagesTable;
  dp_dpmas: DpDpmasTable;
  dp_dialplans: DpDialplansTable;
  voicemail_users: VoicemailUsersTable;
  voicemail_messages: VoicemailMessagesTable;
}
