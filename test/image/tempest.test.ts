// OpenStack's own conformance tests (Debian's tempest 33) for the image API (tempest.api.image.v2) against
// a test seed. Slow and needs the tempest package: runs when OOO_TEMPEST=1 (or a list naming image).
import { runServiceSuite } from '../support/tempest-suite.ts';

runServiceSuite('image', ['identity', 'image']);
