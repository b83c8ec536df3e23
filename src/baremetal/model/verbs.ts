// What a client sends as `target` in PUT /v1/nodes/{node}/states/provision, the verb it means, the
// microversion that introduced it and the state `--wait` expects (ironicclient's PROVISION_ACTIONS).
import type { ApiVerb, ProvisionState } from './provision.ts';

export interface ApiTarget {
  verb: ApiVerb;
  minVersion: number;
  /** The state the client polls for; undefined for verbs it never waits on (abort, unhold). */
  expect?: ProvisionState;
}

/** Microversions as 1.N, compared by N. */
export const API_TARGETS: Readonly<Record<string, ApiTarget>> = {
  manage: { verb: 'manage', minVersion: 4, expect: 'manageable' },
  provide: { verb: 'provide', minVersion: 4, expect: 'available' },
  inspect: { verb: 'inspect', minVersion: 6, expect: 'manageable' },
  clean: { verb: 'clean', minVersion: 15, expect: 'manageable' },
  active: { verb: 'deploy', minVersion: 1, expect: 'active' },
  rebuild: { verb: 'rebuild', minVersion: 1, expect: 'active' },
  deleted: { verb: 'delete', minVersion: 1, expect: 'available' },
  adopt: { verb: 'adopt', minVersion: 17, expect: 'active' },
  abort: { verb: 'abort', minVersion: 13 },
  rescue: { verb: 'rescue', minVersion: 38, expect: 'rescue' },
  unrescue: { verb: 'unrescue', minVersion: 38, expect: 'active' },
  unhold: { verb: 'unhold', minVersion: 85 },
  service: { verb: 'service', minVersion: 87, expect: 'active' },
};
