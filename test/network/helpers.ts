// Shared helpers of the network tests: JSON requests against an in-process app as a fake token.
import type { TestServiceApp } from '../support/service-app.ts';

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON replies freely
  body: Record<string, any>;
}

export async function call(
  svc: TestServiceApp,
  token: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
): Promise<Reply> {
  const res = await svc.app.inject({
    method,
    url,
    headers: svc.as(token),
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : {} };
}

/** Creates a network and a subnet as admin; returns their ids. */
export async function networkWithSubnet(
  svc: TestServiceApp,
  subnet: Record<string, unknown>,
  network: Record<string, unknown> = {},
  token = 'admin',
): Promise<{ networkId: string; subnetId: string }> {
  const n = await call(svc, token, 'POST', '/v2.0/networks', { network: { name: 'net', ...network } });
  if (n.status !== 201) throw new Error(`network create: ${n.status} ${JSON.stringify(n.body)}`);
  const s = await call(svc, token, 'POST', '/v2.0/subnets', {
    subnet: { network_id: n.body.network.id, ip_version: 4, ...subnet },
  });
  if (s.status !== 201) throw new Error(`subnet create: ${s.status} ${JSON.stringify(s.body)}`);
  return { networkId: n.body.network.id, subnetId: s.body.subnet.id };
}
