import { UpstreamError } from "@seekdesk/core";

export interface OpenAICompatibleEndpoint {
  /** Base URL up to and including `/v1`, e.g. the seekdesk gateway `http://127.0.0.1:8080/v1`. */
  baseUrl: string;
  apiKey?: string;
}

/**
 * POSTs JSON to an OpenAI-compatible endpoint (`/embeddings`, `/chat/completions`) and returns the
 * parsed answer. Network failures and non-2xx answers become an `UpstreamError` naming `what` and
 * the URL; an abort by the caller's signal is rethrown as it is.
 */
export async function postOpenAICompatible(
  endpoint: OpenAICompatibleEndpoint,
  path: string,
  body: unknown,
  what: string,
  signal?: AbortSignal,
): Promise<unknown> {
  const url = `${endpoint.baseUrl.replace(/\/+$/, "")}${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new UpstreamError(`${what} request to ${url} failed: ${(err as Error).message}`, err);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => "");
    throw new UpstreamError(`${what} request to ${url} returned ${res.status}: ${text.slice(0, 200)}`);
  }
  return res.json();
}
