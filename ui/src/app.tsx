// The app shell: navigation between the screens, and the screen for the current route.
import { useEffect, useRef, useState } from "preact/hooks";
import { ROUTES, routeFromHash, type RouteId } from "./routes";
import { useAppInfo } from "./use-app-info";
import { Today } from "./screens/today";
import { Settings } from "./screens/settings";
import { Upcoming } from "./screens/upcoming";

export function App() {
  const [route, setRoute] = useState<RouteId>(() => routeFromHash(location.hash));
  const appInfo = useAppInfo();
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const onHash = () => setRoute(routeFromHash(location.hash));
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);

  // Move focus to the new screen's heading so keyboard and screen-reader users land on it.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else heading.current?.focus();
  }, [route]);

  const current = ROUTES.find((r) => r.id === route) ?? ROUTES[0];
  return (
    <div class="shell">
      <nav class="nav" aria-label="Main">
        <div class="brand">
          <img src="/icon.svg" alt="" width="32" height="32" />
          <span>Tend</span>
        </div>
        <ul>
          {ROUTES.map((r) => (
            <li key={r.id}>
              <a href={`#/${r.id}`} aria-current={r.id === route ? "page" : undefined} data-route={r.id}>
                {r.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main class="screen" data-screen={current.id}>
        <header>
          <h1 tabIndex={-1} ref={heading}>
            {current.label}
          </h1>
          <p class="summary">{current.summary}</p>
        </header>
        {route === "today" && <Today info={appInfo} />}
        {route === "settings" && <Settings info={appInfo} />}
        {route !== "today" && route !== "settings" && <Upcoming route={route} />}
      </main>
    </div>
  );
}
