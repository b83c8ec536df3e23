// The CFN API (heat-cfn, catalog type `cloudformation`, port 8000) as its own service of the seed. It owns
// no tables: it reads stacks and records signals through the orchestration service's client, so it runs
// in the process that serves orchestration.
import type { AppError } from '../platform/errors/catalogue.ts';
import type { ServiceDefinition } from '../platform/service.ts';
import { cfnErrorDoc, registerCfn } from './api/cfn.ts';

export const cfnService: ServiceDefinition<'orchestration-cfn', 'orchestration'> = {
  name: 'orchestration-cfn',
  defaultPort: 8000,
  catalog: [{ type: 'cloudformation', name: 'heat-cfn', path: '/v1' }],
  migrations: [],
  needs: ['orchestration'],
  create(deps) {
    const client = deps.clients.get('orchestration');
    return {
      render: (err: AppError) => ({ body: cfnErrorDoc(err) }),
      register(app) {
        registerCfn(app, deps.ctx, client);
      },
    };
  },
};
