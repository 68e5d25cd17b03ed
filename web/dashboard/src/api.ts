// The API under /api/v1 with the bearer token; a 401 tries the refresh token once, then signs out.
const API = "/api/v1";

export interface Region { code: string; name: string; level: string }
export interface User { id: string; username: string; role: string; display_name: string | null; region: Region | null; tier: string | null }

export class ApiError extends Error {
  constructor(public status: number, public problem: { title?: string; detail?: string; field?: string }) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }
}

let access = sessionStorage.getItem("gp.access") ?? "";
let refresh = sessionStorage.getItem("gp.refresh") ?? "";
let onSignedOut: () => void = () => undefined;

export function signedIn(): boolean {
  return access !== "";
}

export function accessToken(): string {
  return access;
}

export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

function keep(tokens: { access_token: string; refresh_token: string }): void {
  access = tokens.access_token;
  refresh = tokens.refresh_token;
  sessionStorage.setItem("gp.access", access);
  sessionStorage.setItem("gp.refresh", refresh);
}

export function forget(): void {
  access = refresh = "";
  sessionStorage.removeItem("gp.access");
  sessionStorage.removeItem("gp.refresh");
}

export async function signIn(username: string, password: string): Promise<void> {
  const response = await fetch(`${API}/auth/token`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new ApiError(response.status, await problem(response));
  keep(await response.json());
}

export async function signOut(): Promise<void> {
  if (access) await fetch(`${API}/auth/logout`, { method: "POST", headers: { Authorization: `Bearer ${access}` } }).catch(() => undefined);
  forget();
  onSignedOut();
}

async function problem(response: Response): Promise<{ title?: string; detail?: string }> {
  try {
    return await response.json();
  } catch {
    return { title: response.statusText };
  }
}

async function renew(): Promise<boolean> {
  if (!refresh) return false;
  const response = await fetch(`${API}/auth/refresh`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: refresh }),
  });
  if (!response.ok) return false;
  keep(await response.json());
  return true;
}

/** fetch with the bearer header; renews the access token once on 401. */
export async function authorized(path: string, init: RequestInit = {}, retry = true): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${access}`);
  const response = await fetch(`${API}${path}`, { ...init, headers });
  if (response.status === 401 && retry && (await renew())) return authorized(path, init, false);
  if (response.status === 401) {
    forget();
    onSignedOut();
  }
  return response;
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await authorized(path);
  if (!response.ok) throw new ApiError(response.status, await problem(response));
  return (await response.json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await authorized(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (!response.ok) throw new ApiError(response.status, await problem(response));
  return (await response.json()) as T;
}
