// `npm run signin-link -- [user]`: a fresh dev sign-in link for the running `npm run dev`
// (the link carries a single-use code valid for 10 minutes, never a token).
import { mintSigninCode } from "../src/dev/signin-code.ts";
import { DEV_AUTH_SECRET } from "./dev-secrets.ts";

export const SIGNIN_CODE_TTL_MS = 10 * 60_000;

export async function signinLink(baseUrl: string, userId: string, secret: string): Promise<string> {
  return `${baseUrl}/signin#code=${await mintSigninCode(secret, userId, SIGNIN_CODE_TTL_MS)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const user = process.argv[2] ?? "dev";
  const base = `http://127.0.0.1:${process.env.PORT ?? 8787}`;
  process.stdout.write(`${await signinLink(base, user, process.env.AUTH_SECRET ?? DEV_AUTH_SECRET)}\n`);
}
