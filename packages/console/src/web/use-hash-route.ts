import { useEffect, useState } from "react";

/** Hash routing keeps every console page reachable from the single index.html the server returns. */
const read = () => window.location.hash.replace(/^#/, "") || "/chat";

export function useHashRoute(): string {
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}
