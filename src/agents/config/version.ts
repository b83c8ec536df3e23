// The tools report the version of the originals whose behaviour they reproduce (Debian's 12.0.0),
// so scripts that check it keep working; docs/agents.md says so.
export const VERSION = '12.0.0';
