// The modes the benchmark compares: each is a name and the Worker vars it runs with; every
// scenario runs once per mode, on its own stack, with the same workload and seed.
// Adding a mode is one line here (and its name shows up in results.json and the plots).
export interface ModeSpec {
  name: string;
  vars: Readonly<Record<string, string>>;
}

export const MODES: readonly ModeSpec[] = [
  // The product before the resume policy (SESSION_POLICY=always) with resume off: every update a new session.
  { name: "fresh", vars: { SESSION_RESUME_ENABLED: "false", SESSION_POLICY: "always" } },
  // The product before the resume policy: resume whenever the seed rules allow.
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
