/**
 * The one catalogue of expected failures. Services throw these; the error middleware turns each
 * into an HTTP status and a Chinese page or JSON body. Anything else is a bug and becomes a 500
 * with a generic message (the details go to the log, never to the page).
 */
export type FieldErrors = Record<string, string>;

export class AppError extends Error {
  readonly status: number;
  /** more for a script's JSON answer beside `error` (e.g. a refused submit's blockers) */
  reply?: Record<string, unknown>;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
    this.name = new.target.name;
  }
}

/** 400: the input is malformed or breaks a rule; `fields` names the form fields at fault. */
export class InvalidInput extends AppError {
  readonly fields: FieldErrors;
  constructor(message: string, fields: FieldErrors = {}) {
    super(400, message);
    this.fields = fields;
  }
}

/** 401: no session (script requests get this instead of a redirect). */
export class NotLoggedIn extends AppError {
  constructor(message = '请先登录') {
    super(401, message);
  }
}

/** 403: logged in, but this is not yours to see or do. */
export class Forbidden extends AppError {
  constructor(message = '没有权限访问此页面') {
    super(403, message);
  }
}

/** 404 */
export class NotFound extends AppError {
  constructor(message = '找不到该页面或记录') {
    super(404, message);
  }
}

/** 409: the state has moved on (a round closed, a sheet already submitted, a name taken). */
export class Conflict extends AppError {
  readonly fields: FieldErrors;
  constructor(message: string, fields: FieldErrors = {}) {
    super(409, message);
    this.fields = fields;
  }
}

/** 413 */
export class TooLarge extends AppError {
  constructor(message: string) {
    super(413, message);
  }
}
