import { z } from "@hono/zod-openapi";
import { BRANCH_NAME_PATTERN } from "../db/schema.ts";
import { ProjectParams, QueueStats, Session } from "./schemas.ts";

// Shapes of the branch, restore and pin routes (src/router/branches.ts, versions.ts).

const BRANCH_RULE = "must be 1 to 40 characters of a-z, 0-9 and -";

export const BranchNameField = (field: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`) })
    .regex(new RegExp(BRANCH_NAME_PATTERN), `${field} ${BRANCH_RULE}`);

const VersionNumber = z.coerce
  .number({ error: "version number must be a number" })
  .int("version number must be a whole number")
  .min(1, "version number must be at least 1")
  .max(2_147_483_647, "version number is too large");

export const BranchParams = ProjectParams.extend({ branch: BranchNameField("branch").openapi({ param: { name: "branch", in: "path" }, example: "experiment-1" }) });
export const VersionParams = ProjectParams.extend({ n: VersionNumber.openapi({ param: { name: "n", in: "path" }, example: 2 }) });
export const BranchJobParams = BranchParams.extend({
  jobId: z.string().regex(/^job_[a-z0-9]{24}$/, "job id must look like job_ followed by 24 lowercase letters or digits").openapi({ param: { name: "jobId", in: "path" } }),
});

export const CreateBranchBody = z
  .object({
    name: BranchNameField("name").openapi({ description: "The branch's name: [a-z0-9-]{1,40}, not main." }),
    fromVersion: z
      .number({ error: (issue) => (issue.input === undefined ? "fromVersion is required" : "fromVersion must be a number") })
      .int("fromVersion must be a whole number")
      .min(1, "fromVersion must be at least 1")
      .openapi({ description: "The version (of any branch) whose files and session the branch starts from." }),
  })
  .openapi("CreateBranch");

export const BranchSummary = z
  .object({
    name: z.string(),
    fromVersion: z.number().nullable().openapi({ description: "The version it was made from; null for main." }),
    firstVersion: z.number().openapi({ description: "Its first version (main: 1)." }),
    createdAt: z.string(),
  })
  .openapi("BranchSummary");

export const Branch = z
  .object({
    branch: z.object({
      name: z.string(),
      fromVersion: z.number().nullable(),
      createdAt: z.string(),
      latestVersionNumber: z.number().nullable().openapi({ description: "The branch's latest version (numbers are per project)." }),
      headVersionNumber: z.number().nullable(),
      headSessionId: z.string().nullable(),
    }),
    session: Session,
    queue: QueueStats,
  })
  .openapi("Branch");

export const Pin = z
  .object({ versionNumber: z.number(), branch: z.string(), pinned: z.boolean() })
  .openapi("Pin");
