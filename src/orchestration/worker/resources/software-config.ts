// SoftwareConfig, StructuredConfig, CloudConfig and MultipartMime: immutable config rows of this service.
// Any property change replaces the config (a new id), as in Heat.
import { randomBytes, randomUUID } from 'node:crypto';
import { dumpYaml } from '../../../platform/yaml.ts';
import type { PropsSchema } from '../../model/properties.ts';
import { isMap, type Json, type JsonMap } from '../../model/template-format.ts';
import type { ResourceContext, ResourcePlugin } from './plugin.ts';

const IO_SCHEMA = {
  type: 'list' as const,
  items: {
    type: 'map' as const,
    schema: {
      name: { type: 'string' as const, required: true },
      description: { type: 'string' as const },
      type: {
        type: 'string' as const,
        default: 'String',
        allowedValues: ['String', 'Number', 'CommaDelimitedList', 'Json', 'Boolean'],
      },
      default: { type: 'any' as const },
      replace_on_change: { type: 'boolean' as const, default: false },
      error_output: { type: 'boolean' as const, default: false },
    },
  },
};

const COMMON: PropsSchema = {
  group: {
    type: 'string',
    default: 'Heat::Ungrouped',
    description: 'Namespace to group this software config by when delivered to a server.',
  },
  inputs: {
    ...IO_SCHEMA,
    description: 'Schema representing the inputs that this software config is expecting.',
  },
  outputs: {
    ...IO_SCHEMA,
    description: 'Schema representing the outputs that this software config will produce.',
  },
  options: {
    type: 'map',
    description:
      'Map containing options specific to the configuration management tool used by this resource.',
  },
};

async function saveConfig(rc: ResourceContext, group: string, config: string, props: JsonMap) {
  const id = randomUUID();
  await rc.store.insertConfig(rc.store.db, {
    id,
    projectId: rc.stack.projectId,
    name: `${rc.stack.name}-${rc.name}-${randomBytes(6).toString('hex')}`,
    group,
    config,
    inputs: Array.isArray(props.inputs) ? props.inputs : [],
    outputs: Array.isArray(props.outputs) ? props.outputs : [],
    options: isMap(props.options) ? props.options : {},
    createdAt: Date.now(),
  });
  return { physicalId: id, attributes: { config } };
}

function configPlugin(
  type: string,
  description: string,
  configSchema: PropsSchema,
  toText: (props: JsonMap, rc: ResourceContext) => Promise<string> | string,
  group?: string,
): ResourcePlugin {
  return {
    type,
    description,
    properties: group ? configSchema : { ...COMMON, ...configSchema },
    attributes: { config: 'The config value of the software config.' },
    async create(rc, props) {
      return saveConfig(
        rc,
        group ?? String(props.group ?? 'Heat::Ungrouped'),
        await toText(props, rc),
        props,
      );
    },
    async delete(rc, row) {
      if (row.physicalId) await rc.store.deleteConfig(rc.store.db, row.physicalId);
    },
  };
}

export const softwareConfigResource = configPlugin(
  'OS::Heat::SoftwareConfig',
  'A resource for describing and storing software configuration.',
  {
    config: {
      type: 'string',
      default: '',
      description: 'Configuration script or manifest which specifies what actual configuration is performed.',
    },
  },
  (p) => String(p.config ?? ''),
);

export const structuredConfigResource = configPlugin(
  'OS::Heat::StructuredConfig',
  'A resource which has same logic with OS::Heat::SoftwareConfig, with a map for config.',
  {
    config: {
      type: 'map',
      default: {},
      description:
        'Map representing the configuration data structure which will be serialized to JSON format.',
    },
  },
  (p) => JSON.stringify(p.config ?? {}),
);

export const cloudConfigResource = configPlugin(
  'OS::Heat::CloudConfig',
  'A configuration resource for representing cloud-init cloud-config.',
  {
    cloud_config: {
      type: 'map',
      default: {},
      description: 'Map representing the cloud-config data structure which will be formatted as YAML.',
    },
  },
  (p) => `#cloud-config\n${dumpYaml(p.cloud_config ?? {})}`,
  'Heat::Ungrouped',
);

export const multipartMimeResource = configPlugin(
  'OS::Heat::MultipartMime',
  'Assembles a collection of software configurations as a multi-part mime message.',
  {
    parts: {
      type: 'list',
      default: [],
      items: {
        type: 'map',
        schema: {
          config: { type: 'string', required: true },
          filename: { type: 'string' },
          type: { type: 'string', default: 'text', allowedValues: ['text', 'multipart'] },
          subtype: { type: 'string' },
        },
      },
      description: 'Parts belonging to this message.',
    },
    group: { type: 'string', default: 'Heat::Ungrouped' },
  },
  async (p, rc) => {
    const boundary = `===============${randomBytes(8).toString('hex')}==`;
    const chunks: string[] = [
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      'MIME-Version: 1.0',
      '',
    ];
    for (const part of Array.isArray(p.parts) ? p.parts : []) {
      if (!isMap(part)) continue;
      const ref = String(part.config ?? '');
      // A part's config is a software config id, or the text itself.
      const stored = /^[0-9a-f-]{36}$/.test(ref) ? await rc.store.config(ref) : undefined;
      const text = stored ? stored.config : ref;
      const subtype =
        part.subtype ??
        (text.startsWith('#cloud-config')
          ? 'cloud-config'
          : text.startsWith('#!')
            ? 'x-shellscript'
            : 'plain');
      chunks.push(
        `--${boundary}`,
        `Content-Type: text/${String(subtype as Json)}; charset="us-ascii"`,
        'MIME-Version: 1.0',
        'Content-Transfer-Encoding: 7bit',
      );
      if (part.filename) chunks.push(`Content-Disposition: attachment; filename="${String(part.filename)}"`);
      chunks.push('', text);
    }
    chunks.push(`--${boundary}--`, '');
    return chunks.join('\n');
  },
  'Heat::Ungrouped',
);
