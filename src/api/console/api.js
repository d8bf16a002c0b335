// The JSON API as the console uses it: same origin, the session cookie, and the API's one error format turned
// into an ApiFailure the pages can branch on by code (forbidden, unauthorized, not-found, conflict, ...).

export class ApiFailure extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Listeners told when a call comes back 401: the session ended (expired, or logged out elsewhere). */
const unauthorizedListeners = new Set();
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
}

/** `path?query` from a params object; arrays repeat the parameter, empty values are left out. */
export function withQuery(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one === undefined || one === null || one === '') continue;
      q.append(k, String(one));
    }
  }
  const text = q.toString();
  return text ? `${path}?${text}` : path;
}

export async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (e) {
    throw new ApiFailure(0, 'network', `the gateway did not answer (${e.message})`);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (res.ok) return json;
  const error = json && typeof json.error === 'object' ? json.error : null;
  const failure = new ApiFailure(
    res.status,
    error?.code ?? `http-${res.status}`,
    error?.message ?? `the gateway answered ${res.status} ${res.statusText}`,
    error?.details,
  );
  if (res.status === 401 && path !== '/api/login') for (const l of unauthorizedListeners) l(failure);
  throw failure;
}

export const get = (path, params) => api('GET', withQuery(path, params));
export const post = (path, body) => api('POST', path, body ?? {});
