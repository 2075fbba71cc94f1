// The screens whose capabilities are still being built say so plainly, and say what they will do.
import type { RouteId } from "../routes";

const PLANNED: Partial<Record<RouteId, string>> = {
  devices: "Pair a heart-rate strap, pulse oximeter, blood-pressure cuff, thermometer, glucose meter or scale directly over Bluetooth — no vendor account needed.",
  trends: "See each measurement over a day, week, month or year, with your normal range shaded.",
  medications: "Set up your medications and get reminders that stay right when you travel or the clocks change.",
  sharing: "Choose, for each care team and kind of data, exactly what is sent — and see everything that was.",
};

export function Upcoming({ route }: { route: RouteId }) {
  return (
    <section class="cards">
      <article class="card">
        <h2>Coming soon</h2>
        <p>{PLANNED[route]}</p>
      </article>
    </section>
  );
}
