import { agentsProjection } from '../../projections/agents.js';
import { agisProjection } from '../../projections/agis.js';
import { callsProjection } from '../../projections/calls.js';
import { commandsProjection } from '../../projections/commands.js';
import { channelsProjection } from '../../projections/channels.js';
import { deviceStatesProjection } from '../../projections/device-states.js';
import { modulesProjection } from '../../projections/modules.js';
import { obCampaignsProjection } from '../../projections/ob-campaigns.js';
import { obDestinationsProjection } from '../../projections/ob-destinations.js';
import { obDialingsProjection } from '../../projections/ob-dialings.js';
import { obDlmasProjection } from '../../projections/ob-dlmas.js';
import { obDlsProjection } from '../../projections/ob-dls.js';
import { obPlansProjection } from '../../projections/ob-plans.js';
import { parkingProjection } from '../../projections/parking.js';
import { pjsipProjection } from '../../projections/pjsip.js';
import { queuesProjection } from '../../projections/queues.js';
import { systemsProjection } from '../../projections/systems.js';
import type { ChangeOf } from './projection.js';

/** Every read model, in the order the runner applies them to each event. Add new projections here. */
export const defaultProjections = [channelsProjection, agisProjection, modulesProjection, systemsProjection, queuesProjection,
  parkingProjection, agentsProjection, deviceStatesProjection, pjsipProjection, callsProjection, commandsProjection,
  obPlansProjection, obDestinationsProjection, obDlmasProjection, obDlsProjection, obCampaignsProjection, obDialingsProjection] as const;

export type DefaultProjection = (typeof defaultProjections)[number];
export type ProjectionName = DefaultProjection['name'];

/** A change on the feed of the default runner: narrow on `table` to get the row type. */
export type ReadModelChange = ChangeOf<DefaultProjection>;
