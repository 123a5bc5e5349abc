/** Realistic SaaS Management usage reports for benchmarks: names, emails, days active, several instances. */
const FIRST = ['Ann', 'Bob', 'Cy', 'Dee', 'Eve', 'Finn', 'Gia', 'Hal', 'Ivy', 'Jon', 'Kim', 'Lea', 'Max', 'Nia', 'Oz', 'Pia'];
const LAST = ['Lee', 'Stone', 'Young', 'Park', 'Adams', 'Ode', 'Russo', 'Berg', 'Chen', 'Reyes', 'Wu', 'Novak', 'Silva', 'Khan'];
export const BENCH_INSTANCES = ['Slack-production', 'Zoom-production', 'Box-production', 'Jira-production', 'Miro-production'];

export interface GeneratedRow {
  Name: string;
  Email: string;
  'Days Active': number;
  'Last Active': string;
  Application: string;
  Instance: string;
}

/** Deterministic (seeded) so runs compare like with like; about a third of users are inactive. */
export function generateRows(count: number, instances: readonly string[] = BENCH_INSTANCES, seed = 42): GeneratedRow[] {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  return Array.from({ length: count }, (_, i) => {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    const instance = instances[i % instances.length]!;
    const days = random() < 0.35 ? 0 : Math.floor(random() * 30);
    return {
      Name: `${first} ${last}`,
      Email: `${first}.${last}.${i}@example.com`.toLowerCase(),
      'Days Active': days,
      'Last Active': new Date(Date.UTC(2026, 10, 25) - Math.floor(random() * 120) * 86_400_000).toISOString().slice(0, 10),
      Application: instance.split('-')[0]!,
      Instance: instance,
    };
  });
}

export function toJsonReport(rows: GeneratedRow[]): string {
  return JSON.stringify({ reportName: 'bench', periodStart: '2026-10-27', periodEnd: '2026-11-25', rows });
}

export function toCsvReport(rows: GeneratedRow[]): string {
  const header = 'Name,Email,Days Active,Last Active,Application,Instance';
  return [header, ...rows.map((r) => `${r.Name},${r.Email},${r['Days Active']},${r['Last Active']},${r.Application},${r.Instance}`)].join('\n') + '\n';
}
