// Backend answers shared by the UI tests that mock IPC.

/** A report with every section, as the backend would send it. */
export const REPORT = {
  report: {
    from: "2026-03-02T00:00:00Z",
    until: "2026-03-16T00:00:00Z",
    glucose: { days: 14, active_percent: 97.1, mean_mg_dl: 142, gmi_percent: 6.7, cv_percent: 31.2, ranges_percent: { very_low: 0.5, low: 2.5, in_range: 74, high: 19, very_high: 4 }, sufficient: true },
    glucose_meter: null,
    blood_pressure: { systolic_mean: 138.2, diastolic_mean: 86.9, readings: 24, days: 6, classification: "hypertension" },
    weight: { readings: 14, days: 14, first_kg: 80.1, latest_kg: 81.3, change_kg: 1.2, min_kg: 80, max_kg: 81.3, trend_kg_per_week: 0.6, rapid_gains: [] },
    spo2: { readings: 10, median: 96, lowest: 94, bands_percent: { at_least_95: 80, from_93_to_94: 20, at_most_92: 0 }, target: "standard" },
    heart_rate: { readings: 1000, median: 68, p25: 61, p75: 75, iqr: 14, below_50_percent: 0, above_120_percent: 1 },
    medication: [{ medication_id: "metformin", medication: "Metformin 500 mg", doses: 28, taken: 25, on_time: 23, skipped: 1, missed: 2, pending: 0, taken_percent: 89.3, on_time_percent: 82.1, missed_doses: [] }],
  },
  glucose_profile: { slot_minutes: 60, slots: Array.from({ length: 24 }, (_, h) => ({ start_minute: h * 60, readings: 12, p5: 70, p25: 100, p50: 130, p75: 160, p95: 210 })) },
  blood_pressure_days: [
    { date: "2026-03-10", readings: 4, systolic_mean: 138, diastolic_mean: 87, systolic_min: 134, systolic_max: 140, diastolic_min: 84, diastolic_max: 90 },
    { date: "2026-03-11", readings: 4, systolic_mean: 137, diastolic_mean: 86, systolic_min: 134, systolic_max: 140, diastolic_min: 84, diastolic_max: 90 },
  ],
  weight_days: [],
  glucose_sufficiency: "Enough to go by: 14 days, 97% of readings there.",
};
