// Availability zones (/os-availability-zone): this service's one zone, whose host is this compute service.
import type { FastifyInstance } from 'fastify';
import { enforce } from './common.ts';

export function zoneRoutes(app: FastifyInstance, zone: string, host: string, startedAt: Date): void {
  app.get('/os-availability-zone', async (req) => {
    enforce(req, 'availability_zone:list');
    return { availabilityZoneInfo: [{ zoneName: zone, zoneState: { available: true }, hosts: null }] };
  });
  app.get('/os-availability-zone/detail', async (req) => {
    enforce(req, 'availability_zone:detail');
    const service = { available: true, active: true, updated_at: startedAt.toISOString().replace(/Z$/, '') };
    return {
      availabilityZoneInfo: [
        { zoneName: zone, zoneState: { available: true }, hosts: { [host]: { 'nova-compute': service } } },
      ],
    };
  });
}
