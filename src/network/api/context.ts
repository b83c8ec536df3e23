// What the route modules share: the service's stores and a few settings.
import type { NetworkStores } from '../store/stores.ts';

export interface ApiContext extends NetworkStores {
  /** MTU of a network created without one. */
  defaultMtu: number;
  availabilityZone: string;
}
