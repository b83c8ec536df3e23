// What a parameter schema is, in either spelling (HOT or CFN) once parsed.
import type { Json } from '../template-format.ts';

export type ParamType = 'string' | 'number' | 'comma_delimited_list' | 'json' | 'boolean';

export type Constraint = { description?: string } & (
  | { kind: 'length'; min?: number; max?: number }
  | { kind: 'range'; min?: number; max?: number }
  | { kind: 'modulo'; step: number; offset: number }
  | { kind: 'allowed_values'; values: Json[] }
  | { kind: 'allowed_pattern'; pattern: string }
  | { kind: 'custom_constraint'; name: string }
);

export interface ParamSchema {
  name: string;
  type: ParamType;
  label?: string;
  description?: string;
  default?: Json;
  hidden: boolean;
  immutable: boolean;
  tags: string[];
  constraints: Constraint[];
}

/** A YAML-ish boolean flag (hidden, immutable, NoEcho): true, or a string Heat reads as true. */
export function truthy(v: Json | undefined): boolean {
  return (
    v === true || (typeof v === 'string' && ['true', 'yes', 'on', '1', 't', 'y'].includes(v.toLowerCase()))
  );
}
