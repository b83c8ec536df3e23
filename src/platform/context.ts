// The context every async operation takes first: who logs and what cancels it.
import type { Logger } from './log/logger.ts';

export interface Ctx {
  readonly log: Logger;
  readonly signal: AbortSignal;
}

export function childCtx(ctx: Ctx, bindings: Record<string, unknown>, signal?: AbortSignal): Ctx {
  return {
    log: ctx.log.child(bindings),
    signal: signal ? AbortSignal.any([ctx.signal, signal]) : ctx.signal,
  };
}
