// The identity service validates tokens for everyone, itself included; its validator exists only once the
// service is created, so services (identity first) get this forwarder, bound as soon as it does.
import { AppError } from '../platform/errors/catalogue.ts';
import type { AuthContext, TokenValidator } from '../platform/policy/auth-context.ts';

export class DeferredValidator implements TokenValidator {
  #target: TokenValidator | undefined;

  bind(target: TokenValidator): void {
    this.#target = target;
  }

  validate(token: string): Promise<AuthContext> {
    if (!this.#target)
      return Promise.reject(new AppError('UNAVAILABLE', 'The identity service is not running.'));
    return this.#target.validate(token);
  }
}
