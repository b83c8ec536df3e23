// heat-tempest-plugin's API tests (and the functional tests that need only the orchestration and network
// APIs) against a test seed, but the features docs/orchestration.md lists as absent. Slow and needs the
// tempest and heat-tempest-plugin packages: runs when OOO_TEMPEST=1 (or a list naming orchestration).
import { runServiceSuite } from '../support/tempest-suite.ts';

runServiceSuite('orchestration', ['identity', 'network', 'orchestration']);
