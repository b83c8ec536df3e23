// One error catalogue for every service: a stable code, an HTTP status and a JSON-safe details object.
// Each API layer renders an AppError in its own OpenStack format (see http/render.ts and each service's api/).

export const catalogue = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  INTERNAL: 500,
  NOT_IMPLEMENTED: 501,
  UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof catalogue;
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** JSON-safe, so an error can cross a process boundary unchanged. */
  readonly details: Record<string, JsonValue>;
  /** A service-specific type name, e.g. Neutron's "NetworkNotFound" or Ironic's "NodeLocked". */
  readonly type: string | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: {
      type?: string;
      details?: Record<string, JsonValue>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = catalogue[code];
    this.type = opts.type;
    this.details = opts.details ?? {};
    this.headers = opts.headers ?? {};
  }
}

type Opts = ConstructorParameters<typeof AppError>[2];
export const badRequest = (message: string, opts?: Opts) => new AppError('BAD_REQUEST', message, opts);
export const unauthorized = (message = 'The request you have made requires authentication.', opts?: Opts) =>
  new AppError('UNAUTHORIZED', message, opts);
export const forbidden = (message = 'You are not authorized to perform the requested action.', opts?: Opts) =>
  new AppError('FORBIDDEN', message, opts);
export const notFound = (message: string, opts?: Opts) => new AppError('NOT_FOUND', message, opts);
export const conflict = (message: string, opts?: Opts) => new AppError('CONFLICT', message, opts);

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** The standard reason phrase of a status, used as the "title" most OpenStack error bodies carry. */
export function statusTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request');
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};
