// Secrets for local use only (npm run dev, the benchmark): never used in production.
export const DEV_AUTH_SECRET = "dev-secret-change-me-0123456789abcdef";
export const DEV_METRICS_TOKEN = "dev-metrics-token";
export const DEV_ADMIN_TOKEN = "dev-admin-token";
