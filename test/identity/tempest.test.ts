// OpenStack's own conformance tests (Debian's tempest 33) for the identity API against a test seed: the
// whole tempest.api.identity suite but the features docs/identity.md lists as absent. Slow and needs the
// tempest package: runs when OOO_TEMPEST=1 (or a list naming identity) and /usr/bin/tempest exists.
import { runServiceSuite } from '../support/tempest-suite.ts';

runServiceSuite('identity', ['identity']);
