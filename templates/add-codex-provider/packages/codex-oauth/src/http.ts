import { CodexAuthError } from './errors.js';

const REQUEST_TIMEOUT_MS = 20_000;

export interface HttpReply {
  status: number;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export async function postForm(
  url: string,
  fields: Record<string, string>,
): Promise<HttpReply> {
  return post(
    url,
    'application/x-www-form-urlencoded',
    new URLSearchParams(fields).toString(),
  );
}

export async function postJson(
  url: string,
  body: Record<string, unknown>,
): Promise<HttpReply> {
  return post(url, 'application/json', JSON.stringify(body));
}

async function post(
  url: string,
  contentType: string,
  body: string,
): Promise<HttpReply> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType, accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } })
      .cause;
    const reason = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new CodexAuthError(
      'network',
      `Could not reach ${new URL(url).origin} (${reason}). Check the internet connection and try again.`,
    );
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}
