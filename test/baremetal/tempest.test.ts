// OpenStack's own conformance tests for the bare metal API (Debian's ironic-tempest-plugin,
// ironic_tempest_plugin.tests.api) against a test seed with the fake-hardware driver, but the features
// docs/baremetal.md lists as absent. Slow and needs tempest and the plugin: runs when OOO_TEMPEST=1 (or a
// list naming baremetal).
import { runServiceSuite } from '../support/tempest-suite.ts';

runServiceSuite('baremetal', ['identity', 'baremetal']);
