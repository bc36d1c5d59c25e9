import { createDockerDesktopClient } from "@docker/extension-api-client";

// How the UI reaches Bulkhead. Served by `bulkhead serve`: fetch to the
// page's own origin with the API token, which arrives in the address's
// fragment (#token=...), never sent to a server, and is kept for the tab
// only. Inside Docker Desktop: Docker Desktop's client, which proxies to
// the extension's backend socket; the token is read in the backend
// container itself.

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

// dd is Docker Desktop's client when the page runs inside Docker Desktop.
const dd = "ddClient" in window ? createDockerDesktopClient() : undefined;
export const inDockerDesktop = dd !== undefined;

let ddToken: Promise<string> | undefined;
function backendToken(): Promise<string> {
  ddToken ??= dd!.extension
    .vm!.cli.exec("/bulkhead", ["--home", "/data", "ui", "--print"])
    .then((r) => r.stdout.match(/token=([A-Za-z0-9_-]+)/)?.[1] ?? "");
  return ddToken;
}

// viaDockerDesktop sends a request through Docker Desktop, answering as
// fetch would.
async function viaDockerDesktop(method: Method, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { Authorization: `Bearer ${await backendToken()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await dd!.extension.vm!.service!.request({ url: `/api${path}`, method, headers, data: body ?? null });
  } catch (e) {
    const err = e as { statusCode?: number; message?: string };
    let code = "internal";
    let message = err.message ?? "the backend failed";
    try {
      const parsed = JSON.parse(message).error;
      code = parsed.code;
      message = parsed.message;
    } catch {
      /* not our JSON */
    }
    throw new ApiError(err.statusCode ?? 0, code, message);
  }
}

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
  if (dd) return (await viaDockerDesktop(method, path, body)) as T;
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
  let blob: Blob;
  if (dd) {
    const body = await viaDockerDesktop("GET", path);
    blob = new Blob([typeof body === "string" ? body : JSON.stringify(body)], { type: "text/csv" });
  } else {
    const resp = await fetch(`/api${path}`, { headers: { Authorization: `Bearer ${token()}` } });
    if (!resp.ok) throw new ApiError(resp.status, "download", `${resp.status} ${resp.statusText}`);
    blob = await resp.blob();
  }
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}

// watch calls onEvent with the name of each list that changed, from the
// server-sent event stream (read with fetch, which can send the token),
// reconnecting after a pause; it returns a function that stops it. Docker
// Desktop's client cannot stream: there, every list is fetched again
// every two seconds.
export function watch(onEvent: (name: string) => void): () => void {
  if (dd) {
    const all = ["approvals", "audit", "changes", "egress", "servers", "settings"];
    const t = setInterval(() => all.forEach(onEvent), 2000);
    return () => clearInterval(t);
  }
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
