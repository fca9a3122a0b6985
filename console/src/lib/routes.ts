// The console's pages, from a path. Plain history-API routing: the Worker serves
// index.html for any path that is not an API route or a file (not_found_handling).
export type Route =
  | { page: "projects" }
  | { page: "project"; projectId: string }
  | { page: "savings" }
  | { page: "admin" }
  | { page: "signin" }
  | { page: "not_found"; path: string };

export function parseRoute(path: string): Route {
  const clean = path.replace(/\/+$/, "") || "/";
  if (clean === "/" || clean === "/projects") return { page: "projects" };
  if (clean === "/savings") return { page: "savings" };
  if (clean === "/admin") return { page: "admin" };
  if (clean === "/signin") return { page: "signin" };
  const project = /^\/projects\/(prj_[a-z0-9]{24})$/.exec(clean);
  if (project?.[1] !== undefined) return { page: "project", projectId: project[1] };
  return { page: "not_found", path };
}

export function pathOf(route: Route): string {
  switch (route.page) {
    case "projects": return "/";
    case "project": return `/projects/${route.projectId}`;
    case "savings": return "/savings";
    case "admin": return "/admin";
    case "signin": return "/signin";
    case "not_found": return route.path;
  }
}
