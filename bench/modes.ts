// The modes the benchmark compares: each is a name and the Worker vars it runs with; every
// scenario runs once per mode, on its own stack, with the same workload and seed.
// Adding a mode is one line here (and its name shows up in results.json and the plots).
export interface ModeSpec {
  name: string;
  vars: Readonly<Record<string, string>>;
}

/**
 * The status quo this round replaces, pinned: the product as deployed before it (wrangler.toml
 * at that time: SESSION_POLICY=economic with plain fresh weighed ×2, the full metadata step
 * resuming the update's session, no version log for new sessions). Its vars are explicit so
 * later defaults cannot move it.
 */
const LEGACY: ModeSpec = { name: "legacy", vars: { SESSION_RESUME_ENABLED: "true", SESSION_POLICY: "economic", SESSION_POLICY_FRESH_WEIGHT: "2", SESSION_POLICY_FRESH_WEIGHT_ORDINARY: "2", METADATA_STEP: "legacy", VERSION_LOG: "off" } };

export const MODES: readonly ModeSpec[] = [
  LEGACY,
  // Every update a new session, with the default (lean) metadata step: the fixed rule the policy must not lose to.
  { name: "fresh", vars: { SESSION_RESUME_ENABLED: "false", SESSION_POLICY: "always" } },
  // Resume whenever the product's rules allow (SESSION_POLICY=always), with the default metadata step.
  { name: "resume", vars: { SESSION_RESUME_ENABLED: "true", SESSION_POLICY: "always" } },
  // The resume policy (docs/policy.md): per update the cheapest of resume, compact then resume, a handoff, fresh.
  { name: "policy", vars: { SESSION_RESUME_ENABLED: "true", SESSION_POLICY: "economic" } },
];

export function modesNamed(names: readonly string[] | null): ModeSpec[] {
  if (names === null) return [...MODES];
  return names.map((name) => {
    const mode = MODES.find((m) => m.name === name);
    if (mode === undefined) throw new Error(`unknown mode "${name}" (known: ${MODES.map((m) => m.name).join(", ")})`);
    return mode;
  });
}
