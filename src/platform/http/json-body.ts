// OpenStack services accept `Content-Type: application/json` with an empty body (the SDK and tempest send
// Keystone grants and tag PUTs that way); Fastify's default parser refuses it. This parser reads an empty body as no body, keeps
// the prototype-poisoning guard of the default one, and reports bad JSON as a catalogue 400.
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../errors/catalogue.ts';

export function acceptEmptyJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(
        null,
        JSON.parse(text, (key, value) => {
          if (key === '__proto__') throw new SyntaxError('"__proto__" is not allowed as a key');
          return value;
        }),
      );
    } catch (e) {
      done(badRequest(`Malformed JSON in request body: ${(e as Error).message}`), undefined);
    }
  });
}
