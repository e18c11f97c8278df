import { callJson } from "@seekdesk/assistant/service/testing/json-call.ts";
import { expect } from "vitest";

/**
 * On a fresh install (the admin API is open until its first account): creates the admin
 * `username` and signs in; returns the session cookie as a request header.
 */
export async function firstAdminSession(url: string, username = "ada"): Promise<{ cookie: string }> {
  const password = `${username}-password-1`;
  expect(
    (await callJson(url, "POST", "/api/admin/users", { username, password, role: "admin" })).status,
  ).toBe(201);
  const login = await callJson(url, "POST", "/api/auth/login", { username, password });
  expect(login.status).toBe(200);
  return { cookie: (login.headers.get("set-cookie") ?? "").split(";")[0] as string };
}
