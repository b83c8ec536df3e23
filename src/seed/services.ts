// Every service this build serves, in the order they start (a service's needs come before it).
import { baremetalService } from '../baremetal/index.ts';
import { computeService } from '../compute/index.ts';
import { computeMetadataService } from '../compute/metadata-service.ts';
import { identityService } from '../identity/index.ts';
import { imageService } from '../image/index.ts';
import { networkService } from '../network/index.ts';
import { cfnService } from '../orchestration/cfn-service.ts';
import { orchestrationService } from '../orchestration/index.ts';
import type { ServiceDefinition } from '../platform/service.ts';

export const ALL_SERVICES: readonly ServiceDefinition[] = [
  identityService,
  imageService,
  networkService,
  baremetalService,
  computeService,
  orchestrationService,
  cfnService,
  computeMetadataService,
];
