import { agentsProjection } from './agents.js';
import { agisProjection } from './agis.js';
import { callsProjection } from './calls/index.js';
import { commandsProjection } from './commands.js';
import { configVersionsProjection } from './config-versions.js';
import { chatsProjection } from './chats.js';
import { channelsProjection } from './channels.js';
import { dialplansProjection } from './dialplans.js';
import { deviceStatesProjection } from './device-states.js';
import { modulesProjection } from './modules.js';
import { obCampaignsProjection } from './ob-campaigns.js';
import { obDestinationsProjection } from './ob-destinations.js';
import { obDialingsProjection } from './ob-dialings.js';
import { obDlmasProjection } from './ob-dlmas.js';
import { obDlsProjection } from './ob-dls.js';
import { obPlansProjection } from './ob-plans.js';
import { parkingProjection } from './parking.js';
import { peopleProjection } from './people.js';
import { pjsipProjection } from './pjsip/index.js';
import { queuesProjection } from './queues/index.js';
import { systemsProjection } from './systems.js';
import { voicemailProjection } from './voicemail.js';
import type { ChangeOf } from './lib/projection.js';

/** Every read model, in the order the runner applies them to each event. Add new projections here. */
export const defaultProjections = [channelsProjection, agisProjection, modulesProjection, systemsProjection, queuesProjection,
  parkingProjection, agentsProjection, deviceStatesProjection, pjsipProjection, callsProjection, commandsProjection,
  obPlansProjection, obDestinationsProjection, obDlmasProjection, obDlsProjection, obCampaignsProjection, obDialingsProjection, configVersionsProjection,
  peopleProjection, chatsProjection, dialplansProjection, voicemailProjection] as const;

export type DefaultProjection = (typeof defaultProjections)[number];
export type ProjectionName = DefaultProjection['name'];

/** A change on the feed of the default runner: narrow on `table` to get the row type. */
export type ReadModelChange = ChangeOf<DefaultProjection>;
