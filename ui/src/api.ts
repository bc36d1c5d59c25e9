// How the UI reaches Bulkhead: fetch to the page's own origin with the API
// token. The token arrives in the address's fragment (#token=...), which
// browsers never send to a server, and is kept for the tab only.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const tokenKey = "bulkhead-token";

function token(): string {
  const m = window.location.hash.match(/token=([A-Za-z0-9_-]+)/);
  if (m) {
    sessionStorage.setItem(tokenKey, m[1]);
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(tokenKey) ?? "";
}

type Method = "GET" | "POST" | "PUT" | "DELETE";

export async function call<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let resp: Response;
  try {
    resp = await fetch(`/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "unreachable", "Bulkhead is not answering yet");
  }
  const text = await resp.text();
  if (!resp.ok) {
    let code = "internal";
    let message = `${resp.status} ${resp.statusText}`;
    try {
      const e = JSON.parse(text).error;
      code = e.code;
      message = e.message;
    } catch {
      /* not our JSON: keep the status */
    }
    throw new ApiError(resp.status, code, message);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string) => call<T>("GET", path);
export const post = <T>(path: string, body: unknown = {}) => call<T>("POST", path, body);
export const put = <T>(path: string, body: unknown) => call<T>("PUT", path, body);
export const del = <T>(path: string, body: unknown) => call<T>("DELETE", path, body);

// download fetches a file with the token and hands it to the browser.
export async function download(path: string, filename: string) {
  const resp = await fetch(`/api${path}`, { headers: { Authorization: `Bearer ${token()}` } });
  if (!resp.ok) throw new ApiError(resp.status, "download", `${resp.status} ${resp.statusText}`);
  const url = URL.createObjectURL(await resp.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}

// watch calls onEvent with the name of each list that changed, from the
// server-sent event stream (read with fetch, which can send the token),
// reconnecting after a pause; it returns a function that stops it.
export function watch(onEvent: (name: string) => void): () => void {
  const stop = new AbortController();
  const run = async () => {
    while (!stop.signal.aborted) {
      try {
        const resp = await fetch("/api/events", { headers: { Authorization: `Bearer ${token()}` }, signal: stop.signal });
        if (!resp.ok || !resp.body) throw new Error(String(resp.status));
        const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i;
          while ((i = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, i).trim();
            buf = buf.slice(i + 1);
            if (line.startsWith("event:")) onEvent(line.slice(6).trim());
          }
        }
      } catch {
        /* the backend restarts or is not up yet: try again */
      }
      await new Promise((r) => setTimeout(r, 1500));
    }
  };
  run();
  return () => stop.abort();
}
