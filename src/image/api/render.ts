// Glance's errors are webob's: with Accept: application/json the body is {"code": "404 Not Found",
// "title": "Not Found", "message": ...}. openstacksdk shows the message after the status line.
import { type AppError, statusTitle } from '../../platform/errors/catalogue.ts';
import type { ErrorRenderer } from '../../platform/http/server.ts';

export const renderGlanceError: ErrorRenderer = (err: AppError) => {
  const title = statusTitle(err.status);
  return { body: { code: `${err.status} ${title}`, title, message: err.message } };
};
