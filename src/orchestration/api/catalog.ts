// What the engine knows about templates: versions and their functions, and the resource types (list, show,
// the template that wraps one). Template validation is in validate.ts.
import type { FastifyInstance } from 'fastify';
import { badRequest, notFound } from '../../platform/errors/catalogue.ts';
import { implementedFunctions } from '../model/functions/table.ts';
import { propertyView } from '../model/properties.ts';
import { VERSIONS, versionListing } from '../model/versions.ts';
import { callerOf, type OrchestrationApi, qs } from './deps.ts';
import { heat } from './render.ts';

type P = { tenant: string; version: string; type: string };

export function registerCatalog(app: FastifyInstance, api: OrchestrationApi): void {
  app.get<{ Params: P }>('/v1/:tenant/template_versions', async (req) =>
    heat(async () => {
      callerOf(req, 'resource_types:read');
      return { template_versions: versionListing() };
    }),
  );

  app.get<{ Params: P }>('/v1/:tenant/template_versions/:version/functions', async (req) =>
    heat(async () => {
      callerOf(req, 'resource_types:read');
      const [key, date] = req.params.version.split('.');
      const v = VERSIONS.find((x) => x.key === key && (x.date === date || x.aliases.includes(date ?? '')));
      if (!v) throw notFound(`Template with version ${req.params.version} not found`, { type: 'NotFound' });
      const withCond = qs(req, 'with_condition_func')?.toLowerCase() === 'true';
      const fns = implementedFunctions(v);
      const cond = withCond
        ? [...v.conditionFunctions]
            .filter((f) => !v.functions.has(f))
            .sort()
            .map((f) => ({ functions: f, description: 'A condition function.' }))
        : [];
      return { template_functions: [...fns, ...cond] };
    }),
  );

  app.get<{ Params: P }>('/v1/:tenant/resource_types', async (req) =>
    heat(async () => {
      callerOf(req, 'resource_types:read');
      const nameFilter = qs(req, 'name');
      const withDescription = qs(req, 'with_description')?.toLowerCase() === 'true';
      const types = api.registry.types().filter((t) => !nameFilter || t.includes(nameFilter));
      return {
        resource_types: withDescription
          ? types.map((t) => ({ resource_type: t, description: api.registry.get(t)?.description ?? '' }))
          : types,
      };
    }),
  );

  const typeOf = (t: string) => {
    const plugin = api.registry.get(t);
    if (!plugin) throw notFound(`The Resource Type (${t}) could not be found.`, { type: 'EntityNotFound' });
    return plugin;
  };

  app.get<{ Params: P }>('/v1/:tenant/resource_types/:type', async (req) =>
    heat(async () => {
      callerOf(req, 'resource_types:read');
      const plugin = typeOf(req.params.type);
      return {
        resource_type: plugin.type,
        description: plugin.description,
        properties: Object.fromEntries(
          Object.entries(plugin.properties ?? {}).map(([k, v]) => [k, propertyView(v)]),
        ),
        attributes: Object.fromEntries(
          Object.entries({ ...plugin.attributes, show: 'Detailed information about resource.' }).map(
            ([k, d]) => [k, { description: d, type: k === 'show' ? 'map' : 'string' }],
          ),
        ),
        support_status: { status: 'SUPPORTED', version: null, message: null, previous_status: null },
      };
    }),
  );

  app.get<{ Params: P }>('/v1/:tenant/resource_types/:type/template', async (req) =>
    heat(async () => {
      callerOf(req, 'resource_types:read');
      const plugin = typeOf(req.params.type);
      const tt = qs(req, 'template_type') ?? 'cfn';
      if (tt !== 'hot' && tt !== 'cfn') throw badRequest(`Template type is not supported: ${tt}`);
      const props = Object.entries(plugin.properties ?? {});
      // Heat names the one resource after the type's class (TestResource, Net …): its last segment here.
      const name = plugin.type.split('::').pop() as string;
      if (tt === 'hot') {
        return {
          heat_template_version: '2016-10-14',
          description: `Initial template of ${name}`,
          parameters: Object.fromEntries(
            props.map(([k, v]) => [
              k,
              {
                type:
                  v.type === 'integer'
                    ? 'number'
                    : v.type === 'list'
                      ? 'comma_delimited_list'
                      : v.type === 'map'
                        ? 'json'
                        : v.type === 'any'
                          ? 'string'
                          : v.type,
                description: v.description ?? '',
              },
            ]),
          ),
          resources: {
            [name]: {
              type: plugin.type,
              properties: Object.fromEntries(props.map(([k]) => [k, { get_param: k }])),
            },
          },
          outputs: Object.fromEntries(
            Object.entries(plugin.attributes).map(([k, d]) => [
              k,
              { description: d, value: { get_attr: [name, k] } },
            ]),
          ),
        };
      }
      return {
        HeatTemplateFormatVersion: '2012-12-12',
        Description: `Initial template of ${name}`,
        Parameters: Object.fromEntries(
          props.map(([k, v]) => [
            k,
            {
              Type:
                v.type === 'integer' || v.type === 'number'
                  ? 'Number'
                  : v.type === 'list'
                    ? 'CommaDelimitedList'
                    : v.type === 'map'
                      ? 'Json'
                      : 'String',
              Description: v.description ?? '',
            },
          ]),
        ),
        Resources: {
          [name]: {
            Type: plugin.type,
            Properties: Object.fromEntries(props.map(([k]) => [k, { Ref: k }])),
          },
        },
        Outputs: Object.fromEntries(
          Object.entries(plugin.attributes).map(([k, d]) => [
            k,
            { Description: d, Value: { 'Fn::GetAtt': [name, k] } },
          ]),
        ),
      };
    }),
  );
}
