// OpenStack's own conformance tests (Debian's tempest 33) for the network API (tempest.api.network) against
// a test seed, but the features docs/network.md lists as absent (routers, DHCP agent scheduling). Slow and
// needs the tempest package: runs when OOO_TEMPEST=1 (or a list naming network).
import { runServiceSuite } from '../support/tempest-suite.ts';

runServiceSuite('network', ['identity', 'network']);
