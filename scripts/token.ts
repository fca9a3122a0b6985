// `npm run token -- <user> [expiry]`: a bearer token for the local API (HS256, AUTH_SECRET).
import { SignJWT } from "jose";
import { DEV_AUTH_SECRET } from "./dev-secrets.ts";

const [user, expiry = "24h"] = process.argv.slice(2);
if (user === undefined || user === "") {
  process.stderr.write("usage: npm run token -- <user id> [expiry, e.g. 24h]\n");
  process.exit(2);
}
const secret = new TextEncoder().encode(process.env.AUTH_SECRET ?? DEV_AUTH_SECRET);
// For a Worker that checks aud/iss (AUTH_AUDIENCE/AUTH_ISSUER), set the same env vars here.
const jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(user).setIssuedAt().setExpirationTime(expiry);
if (process.env.AUTH_AUDIENCE) jwt.setAudience(process.env.AUTH_AUDIENCE);
if (process.env.AUTH_ISSUER) jwt.setIssuer(process.env.AUTH_ISSUER);
const token = await jwt.sign(secret);
process.stdout.write(`${token}\n`);
