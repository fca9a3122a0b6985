// The modes the benchmark compares: each is a name and the Worker vars it runs with; every
// scenario runs once per mode, on its own stack, with the same workload and seed.
// Adding a mode is one line here (and its name shows up in results.json and the plots).
export interface ModeSpec {
  name: string;
  vars: Readonly<Record<string, string>>;
}

export const MODES: readonly ModeSpec[] = [
  { name: "fresh", vars: { SESSION_RESUME_ENABLED: "false" } },
  { name: "resume", vars: { SESSION_RESUME_ENABLED: "true" } },
];

export function modesNamed(names: readonly string[] | null): ModeSpec[] {
  if (names === null) return [...MODES];
  return names.map((name) => {
    const mode = MODES.find((m) => m.name === name);
    if (mode === undefined) throw new Error(`unknown mode "${name}" (known: ${MODES.map((m) => m.name).join(", ")})`);
    return mode;
  });
}
