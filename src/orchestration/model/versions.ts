// Every template version the engine accepts, with exactly the functions, condition functions and
// sections it allows. Each HOT row builds on the one before it, as heat/engine/hot/template.py does.

export type TemplateKind = 'hot' | 'cfn';

export interface TemplateVersion {
  kind: TemplateKind;
  /** The version key as written: "heat_template_version", "AWSTemplateFormatVersion"… */
  key: string;
  /** The canonical date, e.g. "2018-08-31". */
  date: string;
  aliases: readonly string[];
  functions: ReadonlySet<string>;
  /** Functions allowed inside the conditions section, `if` conditions and resource `condition`. */
  conditionFunctions: ReadonlySet<string>;
  sections: ReadonlySet<string>;
  resourceKeys: ReadonlySet<string>;
  outputKeys: ReadonlySet<string>;
  /** Features whose behaviour changed between versions. */
  features: {
    getAttrAll: boolean; // get_attr: [res] returns every attribute (2015-10-15+)
    listJoinMany: boolean; // list_join takes several lists (2015-10-15+)
    strReplaceJson: boolean; // str_replace JSON-encodes map/list params (2015-10-15+)
    repeatMap: boolean; // repeat for_each accepts a map (2016-10-14+)
    repeatPermutations: boolean; // repeat gains permutations (2017-09-01+)
    lowerDeletionPolicy: boolean; // delete/retain/snapshot in lower case (2016-10-14+)
    modulo: boolean; // the modulo parameter constraint (2017-02-24+)
    paramTags: boolean; // parameters may carry tags (2018-03-02+)
    ifTwoArgs: boolean; // if with two arguments removes the item when false (2021-04-16+)
  };
}

const CFN_FUNCS = [
  'Fn::Base64',
  'Fn::GetAZs',
  'Fn::Join',
  'Fn::MemberListToMap',
  'Fn::Replace',
  'Fn::ResourceFacade',
  'Fn::Select',
  'Fn::Split',
  'Ref',
];

interface Step {
  date: string;
  aliases?: string[];
  add?: string[];
  remove?: string[];
  addCond?: string[];
  sections?: string[];
  resourceKeys?: string[];
  outputKeys?: string[];
  features?: Partial<TemplateVersion['features']>;
}

const HOT_STEPS: Step[] = [
  {
    date: '2013-05-23',
    add: [
      'get_attr',
      'get_file',
      'get_param',
      'get_resource',
      'list_join',
      'resource_facade',
      'str_replace',
      ...CFN_FUNCS,
    ],
    sections: [
      'heat_template_version',
      'description',
      'parameter_groups',
      'parameters',
      'resources',
      'outputs',
    ],
    resourceKeys: [
      'type',
      'properties',
      'metadata',
      'depends_on',
      'update_policy',
      'deletion_policy',
      'description',
    ],
    outputKeys: ['value', 'description'],
  },
  { date: '2014-10-16', remove: CFN_FUNCS.filter((f) => f !== 'Fn::Select') },
  { date: '2015-04-30', add: ['repeat', 'digest'] },
  {
    date: '2015-10-15',
    remove: ['Fn::Select'],
    add: ['str_split'],
    features: { getAttrAll: true, listJoinMany: true, strReplaceJson: true },
  },
  { date: '2016-04-08', add: ['map_merge'] },
  {
    date: '2016-10-14',
    aliases: ['newton'],
    add: ['yaql', 'map_replace', 'if'],
    addCond: ['equals', 'get_param', 'not', 'and', 'or'],
    sections: ['conditions'],
    resourceKeys: ['condition', 'external_id'],
    outputKeys: ['condition'],
    features: { repeatMap: true, lowerDeletionPolicy: true },
  },
  {
    date: '2017-02-24',
    aliases: ['ocata'],
    add: ['filter', 'str_replace_strict'],
    features: { modulo: true },
  },
  {
    date: '2017-09-01',
    aliases: ['pike'],
    add: ['make_url', 'list_concat', 'list_concat_unique', 'contains', 'str_replace_vstrict'],
    addCond: ['yaql', 'contains'],
    features: { repeatPermutations: true },
  },
  { date: '2018-03-02', aliases: ['queens'], features: { paramTags: true } },
  { date: '2018-08-31', aliases: ['rocky'] },
  { date: '2021-04-16', aliases: ['wallaby'], features: { ifTwoArgs: true } },
];

const NO_FEATURES: TemplateVersion['features'] = {
  getAttrAll: false,
  listJoinMany: false,
  strReplaceJson: false,
  repeatMap: false,
  repeatPermutations: false,
  lowerDeletionPolicy: false,
  modulo: false,
  paramTags: false,
  ifTwoArgs: false,
};

function buildHot(): TemplateVersion[] {
  const out: TemplateVersion[] = [];
  let funcs = new Set<string>();
  let cond = new Set<string>();
  let sections = new Set<string>();
  let resourceKeys = new Set<string>();
  let outputKeys = new Set<string>();
  let features = { ...NO_FEATURES };
  for (const s of HOT_STEPS) {
    funcs = new Set([...funcs, ...(s.add ?? [])]);
    for (const r of s.remove ?? []) funcs.delete(r);
    cond = new Set([...cond, ...(s.addCond ?? [])]);
    sections = new Set([...sections, ...(s.sections ?? [])]);
    resourceKeys = new Set([...resourceKeys, ...(s.resourceKeys ?? [])]);
    outputKeys = new Set([...outputKeys, ...(s.outputKeys ?? [])]);
    features = { ...features, ...(s.features ?? {}) };
    out.push({
      kind: 'hot',
      key: 'heat_template_version',
      date: s.date,
      aliases: s.aliases ?? [],
      functions: funcs,
      conditionFunctions: cond,
      sections,
      resourceKeys,
      outputKeys,
      features,
    });
  }
  return out;
}

const CFN_COMMON = {
  kind: 'cfn' as const,
  aliases: [],
  functions: new Set([...CFN_FUNCS, 'Fn::GetAtt', 'Fn::FindInMap']),
  conditionFunctions: new Set<string>(),
  sections: new Set(['Description', 'Mappings', 'Parameters', 'Resources', 'Outputs']),
  resourceKeys: new Set([
    'Type',
    'Properties',
    'Metadata',
    'DependsOn',
    'DeletionPolicy',
    'UpdatePolicy',
    'Description',
  ]),
  outputKeys: new Set(['Value', 'Description']),
  features: NO_FEATURES,
};

export const VERSIONS: readonly TemplateVersion[] = [
  ...buildHot(),
  { ...CFN_COMMON, key: 'HeatTemplateFormatVersion', date: '2012-12-12' },
  { ...CFN_COMMON, key: 'AWSTemplateFormatVersion', date: '2010-09-09' },
];

/** Every function name some version knows: a single-key map using one elsewhere is an error, not data. */
export const ALL_FUNCTIONS: ReadonlySet<string> = new Set(
  VERSIONS.flatMap((v) => [...v.functions, ...v.conditionFunctions]),
);

/** The version a template declares, or a message saying why none fits. */
export function findVersion(template: Record<string, unknown>): TemplateVersion | string {
  const keys = ['heat_template_version', 'HeatTemplateFormatVersion', 'AWSTemplateFormatVersion'].filter(
    (k) => k in template,
  );
  if (keys.length === 0) {
    return 'Template format version not found.';
  }
  if (keys.length > 1) return `Ambiguous versions (${keys.join(', ')})`;
  const key = keys[0] as string;
  const raw = template[key];
  const value = typeof raw === 'string' ? raw : String(raw);
  const found = VERSIONS.find((v) => v.key === key && (v.date === value || v.aliases.includes(value)));
  if (found) return found;
  const valid = VERSIONS.filter((v) => v.key === key)
    .flatMap((v) => [v.date, ...v.aliases])
    .map((d) => `"${key}.${d}"`)
    .join(', ');
  return `"${key}: ${value}". "${key}" should be one of: ${valid}`;
}

/** The first HOT version that allows a function, for error messages. */
export function firstHotVersionWith(fn: string): string | undefined {
  return VERSIONS.find((v) => v.kind === 'hot' && (v.functions.has(fn) || v.conditionFunctions.has(fn)))
    ?.date;
}

/** The template_versions listing: "heat_template_version.2018-08-31", type hot/cfn, aliases. */
export function versionListing(): { version: string; type: string; aliases: string[] }[] {
  return VERSIONS.map((v) => ({
    version: `${v.key}.${v.date}`,
    type: v.kind,
    aliases: v.aliases.map((a) => `${v.key}.${a}`),
  }));
}
