// Which bare metal nodes can take a flavor, as Nova's scheduler decides for Ironic nodes: the flavor's
// `resources:CUSTOM_<CLASS>=1` names the node's resource class (normalised as Nova reports it to placement),
// `trait:<T>=required|forbidden` the traits, `capabilities:<k>=<v>` the node's properties.capabilities
// (ComputeCapabilitiesFilter, plain equality or `s== v`). A candidate is also available, not in
// maintenance, without an instance, and not a node this server already failed on. Pure.
import type { BaremetalNode } from './baremetal-node.ts';

export interface FlavorNeeds {
  /** e.g. CUSTOM_BAREMETAL; undefined when the flavor names none. */
  resourceClass: string | undefined;
  requiredTraits: string[];
  forbiddenTraits: string[];
  capabilities: Record<string, string>;
}

/** Nova's name for an Ironic resource class in placement: CUSTOM_ + upper case, non-alphanumerics as _. */
export function placementClass(rc: string): string {
  const norm = rc.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return norm.startsWith('CUSTOM_') ? norm : `CUSTOM_${norm}`;
}

export function flavorNeeds(specs: Readonly<Record<string, string>>): FlavorNeeds {
  const out: FlavorNeeds = {
    resourceClass: undefined,
    requiredTraits: [],
    forbiddenTraits: [],
    capabilities: {},
  };
  for (const [k, v] of Object.entries(specs)) {
    const custom = /^resources\d*:(CUSTOM_[A-Z0-9_]+)$/.exec(k);
    if (custom && Number(v) > 0) out.resourceClass = custom[1];
    const trait = /^trait\d*:(.+)$/.exec(k);
    if (trait?.[1] && v === 'required') out.requiredTraits.push(trait[1]);
    if (trait?.[1] && v === 'forbidden') out.forbiddenTraits.push(trait[1]);
    const cap = /^capabilities:(.+)$/.exec(k);
    if (cap?.[1]) out.capabilities[cap[1]] = v.replace(/^s==\s*/, '').trim();
  }
  return out;
}

/** Why no node fits, in the words Nova's fault uses. */
export const NO_VALID_HOST = 'No valid host was found. ';

/** The nodes that can take the flavor, in the order given (the bare metal service's listing order). */
export function candidates(
  nodes: readonly BaremetalNode[],
  needs: FlavorNeeds,
  exclude: ReadonlySet<string> = new Set(),
): BaremetalNode[] {
  if (needs.resourceClass === undefined) return [];
  return nodes.filter(
    (n) =>
      n.provisionState === 'available' &&
      !n.maintenance &&
      n.instanceUuid === null &&
      !exclude.has(n.uuid) &&
      n.resourceClass !== null &&
      placementClass(n.resourceClass) === needs.resourceClass &&
      needs.requiredTraits.every((t) => n.traits.includes(t)) &&
      !needs.forbiddenTraits.some((t) => n.traits.includes(t)) &&
      Object.entries(needs.capabilities).every(([k, v]) => n.capabilities[k] === v),
  );
}

/** The fault message when no candidate remains. */
export function noValidHostReason(needs: FlavorNeeds, attempts: number, maxAttempts: number): string {
  if (needs.resourceClass === undefined)
    return `${NO_VALID_HOST}The flavor requests no bare metal resource class (resources:CUSTOM_<CLASS>=1).`;
  if (attempts > 0)
    return `${NO_VALID_HOST}Exceeded max scheduling attempts ${maxAttempts} or no other node is available.`;
  return `${NO_VALID_HOST}There are not enough hosts available.`;
}
