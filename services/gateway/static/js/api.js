// The gateway's JSON API: same-origin fetch with the session cookie, the CSRF token on every
// request that changes something, and each refusal raised as an ApiError carrying its code.
import { signedIn } from "./session.js";

export class ApiError extends Error {
  constructor(status, error) { super(error.message); this.status = status; this.code = error.code; }
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && signedIn.session) headers["X-CSRF-Token"] = signedIn.session.csrf_token;
  const response = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json().catch(() => ({ error: { code: "HTTP_" + response.status, message: response.statusText } }));
  if (!response.ok) throw new ApiError(response.status, payload.error);
  return payload;
}
