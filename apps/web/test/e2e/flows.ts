import type { TestUser } from "@p2p/testkit";
import type { Page } from "playwright-core";

/** Signs `user` in through the sign-in page and waits for the signed-in shell. */
export async function signInAs(page: Page, user: Pick<TestUser, "email" | "password">, next = "/"): Promise<void> {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main" }).waitFor();
}
