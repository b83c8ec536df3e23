// Every intrinsic function this engine implements, by name; versions.ts says which a template version allows.
import type { TemplateVersion } from '../versions.ts';
import type { Fn } from './call.ts';
import { YAQL_ABSENT } from './call.ts';
import { COLLECTION_FUNCTIONS } from './collections.ts';
import { CONDITIONAL_FUNCTIONS } from './conditional.ts';
import { REFERENCE_FUNCTIONS } from './references.ts';
import { STRING_FUNCTIONS } from './strings.ts';

export const FUNCTIONS: Record<string, Fn> = {
  ...REFERENCE_FUNCTIONS,
  ...STRING_FUNCTIONS,
  ...COLLECTION_FUNCTIONS,
  ...CONDITIONAL_FUNCTIONS,
};

/** The functions this engine implements, per version (template function list). */
export function implementedFunctions(version: TemplateVersion): { functions: string; description: string }[] {
  return [...version.functions].sort().map((f) => ({
    functions: f,
    description: f === 'yaql' ? YAQL_ABSENT : (DESCRIPTIONS[f] ?? 'A HOT intrinsic function.'),
  }));
}

const DESCRIPTIONS: Record<string, string> = {
  get_param: 'A function for resolving parameter references.',
  get_resource: 'A function for resolving resource references.',
  get_attr: 'A function for resolving resource attributes.',
  get_file: 'A function for including a file inline.',
  list_join: 'A function for joining lists.',
  str_replace: 'A function for performing string substitutions.',
  str_split: 'A function for splitting delimited strings into a list.',
  digest: 'A function for performing digest operations.',
  repeat: 'A function for iterating over a list of items.',
  map_merge: 'A function for merging maps.',
  map_replace: 'A function for performing substitutions on maps.',
  if: 'A function to return corresponding value based on condition evaluation.',
  filter: 'A function for filtering out values from lists.',
  make_url: 'A function for building URLs.',
  list_concat: 'A function for extending lists.',
  list_concat_unique: 'A function for extending lists with unique items.',
  contains: 'A function for checking whether specific value is in sequence.',
};
