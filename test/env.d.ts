// Types for the worker tests: `env` from cloudflare:workers is the Worker's generated Env.
declare module "cloudflare:test" {
  interface ProvidedEnv extends Env {}
}
