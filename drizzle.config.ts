import { defineConfig } from "drizzle-kit";

// `generate` needs no database; `migrate` (and `studio`) read DATABASE_URL and
// connect with `pg` (a devDependency). For a local database run
// `node scripts/db/migrate.ts` instead, which starts nothing and uses the same files.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./migrations",
  dbCredentials: {
    url: process.env.DATABASE_URL ?? "",
  },
  strict: true,
  verbose: true,
});
