// Calls to the Heat v1 API as the tests make them: JSON in and out with a token, and the project-scoped
// base URL a token's project gives.
// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely
type Json = Record<string, any>;

/** One JSON request with the token; an empty body reads as {}. */
export async function jsonCall(
  token: string,
  url: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const r = await fetch(url, {
    method,
    headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, json: (text ? JSON.parse(text) : {}) as Json };
}

/** The id of the project a token is scoped to, as identity validates it. */
export async function projectOf(authUrl: string, token: string): Promise<string> {
  const r = await fetch(`${authUrl}/auth/tokens`, {
    headers: { 'x-auth-token': token, 'x-subject-token': token },
  });
  return ((await r.json()) as Json).token.project.id as string;
}
