// The product's own directory in a workspace: files the runner writes for the model to read
// (the version log). It is never user work: the fingerprint and tree walks skip it and a
// tree import refuses it, so it never shows in diffs, versions or documentation.
export const PRODUCT_DIR = ".session-chain";

/** Where a new session finds the project's earlier versions (container/src/version-log.ts). */
export const VERSION_LOG_PATH = `${PRODUCT_DIR}/versions.md`;
