// The workload mixes every figure is reported at, side by side (issue #15 item 4): the share
// of ordinary edits that name a feature instead of a file. No result may rest on one
// assumption about how users write, so the default run measures both.

/** Share of ordinary edits naming a feature in the headline mix: what the README's first figures use. */
export const DEFAULT_FEATURE_SHARE = 0.75;
/** The file-naming workload the benchmark had before feature requests: every edit names its files. */
export const FILE_NAMING_SHARE = 0;

export interface Mix {
  /** Short label used in scenario names and tables. */
  name: string;
  featureShare: number;
}

export function mixOf(featureShare: number): Mix {
  return { name: featureShare === FILE_NAMING_SHARE ? "paths" : `features-${Math.round(featureShare * 100)}`, featureShare };
}

/** How a table names the mix. */
export function mixTitle(m: Mix): string {
  return m.featureShare === FILE_NAMING_SHARE ? "file-naming only" : `${Math.round(m.featureShare * 100)}% feature requests`;
}
